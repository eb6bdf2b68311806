using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace WmQuant.Models.Config;

/// <summary>Reads and writes <see cref="WorldModelConfig"/> as snake_case YAML, reporting every problem at once.</summary>
public static class WorldModelConfigYaml
{
    /// <summary>Parses YAML text; the result carries either the config or every problem found.</summary>
    public static ConfigParseResult Parse(string yaml, string sourceName = "<yaml>")
    {
        var deserializer = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithDuplicateKeyChecking()
            .Build();
        WorldModelConfig? config;
        try
        {
            config = deserializer.Deserialize<WorldModelConfig>(yaml) ?? new WorldModelConfig();
        }
        catch (YamlException e)
        {
            var where = $"{sourceName}({e.Start.Line},{e.Start.Column})";
            var message = e.InnerException?.Message ?? e.Message;
            return new ConfigParseResult(null, [$"{where}: {message}"]);
        }

        var problems = config.Validate().Select(p => $"{sourceName}: {p}").ToList();
        return problems.Count == 0 ? new ConfigParseResult(config, []) : new ConfigParseResult(null, problems);
    }

    /// <summary>Reads a config file; a missing file is a problem, not an exception.</summary>
    public static ConfigParseResult Load(string path)
    {
        if (!File.Exists(path))
        {
            return new ConfigParseResult(null, [$"{path}: model config not found"]);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Writes a config as YAML so a checkpoint can carry the shape it was saved with.</summary>
    public static string Serialize(WorldModelConfig config)
    {
        var serializer = new SerializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .Build();
        return serializer.Serialize(config);
    }
}

/// <summary>A parsed config, or the list of reasons it could not be used.</summary>
/// <param name="Config">The config when parsing and validation succeeded.</param>
/// <param name="Problems">Every problem found, with the source name (and position where known).</param>
public sealed record ConfigParseResult(WorldModelConfig? Config, IReadOnlyList<string> Problems)
{
    /// <summary>True when <see cref="Config"/> is usable.</summary>
    public bool Ok => Config is not null;
}
