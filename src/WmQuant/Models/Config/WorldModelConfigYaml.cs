using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace WmQuant.Models.Config;

/// <summary>
/// Reads and writes <see cref="WorldModelConfig"/> as snake_case YAML, reporting every problem at once. Files are read
/// through <see cref="BoundedText"/> (<see cref="InputLimits.ModelConfig"/>): a regular file of bounded size, parsed
/// with depth and node limits enforced event by event.
/// </summary>
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
            config = deserializer.Deserialize<WorldModelConfig>(BoundedText.Yaml(yaml, sourceName, InputLimits.ModelConfig)) ?? new WorldModelConfig();
        }
        catch (InputLimitException e)
        {
            return ConfigParseResult.Failed([e.Problem]);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // YamlDotNet 18.1 fails this way on some malformed tags and truncated flow collections (see YamlTreeReader).
            return ConfigParseResult.Failed([Diagnostic.At(new SourcePosition(sourceName, 1, 1), Severity.Error, DiagnosticCodes.ModelConfigUnparsable,
                $"malformed YAML: {BoundedText.Shorten(e.Message, 300)}")]);
        }
        catch (YamlException e)
        {
            var message = BoundedText.Shorten(e.InnerException?.Message ?? e.Message, 300);
            var at = new SourcePosition(sourceName, (int)Math.Clamp(e.Start.Line, 1, int.MaxValue), (int)Math.Clamp(e.Start.Column, 1, int.MaxValue));
            return ConfigParseResult.Failed([Diagnostic.At(at, Severity.Error, DiagnosticCodes.ModelConfigUnparsable, message)]);
        }

        var problems = config.Validate()
            .Select(p => Diagnostic.At(SourcePosition.InFile(sourceName), Severity.Error, DiagnosticCodes.ModelConfigUnparsable, p))
            .ToList();
        return problems.Count == 0 ? new ConfigParseResult(config, []) : ConfigParseResult.Failed(problems);
    }

    /// <summary>
    /// Reads a config file; a file that is missing, not a regular file, too large, not text or (with
    /// <paramref name="boundary"/>) outside the repository is a problem, not an exception.
    /// </summary>
    public static ConfigParseResult Load(string path, RepositoryBoundary? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var (text, problem) = BoundedText.ReadText(path, InputLimits.ModelConfig, boundary);
        return text is null ? ConfigParseResult.Failed([problem!]) : Parse(text, Path.GetFullPath(path));
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
/// <param name="Problems">Every problem found, as "file(line,col): message" lines (for commands that print lines).</param>
public sealed record ConfigParseResult(WorldModelConfig? Config, IReadOnlyList<string> Problems)
{
    /// <summary>The same problems as diagnostics, each with its code and position (the file named once, in the position).</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>True when <see cref="Config"/> is usable.</summary>
    public bool Ok => Config is not null;

    /// <summary>A failed parse from its diagnostics.</summary>
    internal static ConfigParseResult Failed(IReadOnlyList<Diagnostic> diagnostics) =>
        new(null, [.. diagnostics.Select(d => d.Position is { } at ? $"{at.Format()}: {d.Message}" : d.Message)]) { Diagnostics = diagnostics };
}
