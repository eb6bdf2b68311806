using WmQuant.IO.Safetensors;
using WmQuant.Models.Config;
using static TorchSharp.torch;

namespace WmQuant.Models.Checkpoints;

/// <summary>
/// Safetensors checkpoints of <see cref="DinoWorldModel"/> with upstream state-dict names
/// (encoder.*, predictor.*, action_encoder.*, proprio_encoder.*, decoder.*). The model config
/// travels as YAML beside the weights (same base name, .yaml) and inside the file's metadata.
/// </summary>
public static class WorldModelCheckpoint
{
    /// <summary>Metadata key holding the model config YAML.</summary>
    public const string ConfigMetadataKey = "wmq.model_config";

    /// <summary>
    /// Copies <paramref name="stateDict"/> into <paramref name="model"/> (cast to the model's dtype and device)
    /// only if every key and shape matches; otherwise changes nothing and returns every problem.
    /// </summary>
    public static IReadOnlyList<string> Apply(DinoWorldModel model, IReadOnlyDictionary<string, Tensor> stateDict, IReadOnlySet<ModuleGroup>? optionalGroups = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stateDict);
        var target = model.state_dict();
        var problems = StateDictCheck.Problems(target, stateDict, optionalGroups);
        if (problems.Count > 0)
        {
            return problems;
        }

        using var noGrad = no_grad();
        foreach (var (key, value) in stateDict)
        {
            if (target.TryGetValue(key, out var destination))
            {
                destination.copy_(value);
            }
        }

        return [];
    }

    /// <summary>Loads weights from a safetensors file into an existing model; problems (including an unreadable file) come back as lines.</summary>
    public static IReadOnlyList<string> Load(DinoWorldModel model, string path, IReadOnlySet<ModuleGroup>? optionalGroups = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!File.Exists(path))
        {
            return [$"{path}: checkpoint not found"];
        }

        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> stateDict;
        try
        {
            stateDict = SafetensorsTorch.Load(path);
        }
        catch (SafetensorsFormatException e)
        {
            return [$"{path}: not a readable safetensors file: {e.Message}"];
        }

        return Apply(model, stateDict, optionalGroups).Select(p => $"{path}: {p}").ToList();
    }

    /// <summary>Builds a model from the config beside <paramref name="path"/> (or, failing that, the one in its metadata) and loads its weights.</summary>
    public static CheckpointLoadResult LoadModel(string path, IReadOnlySet<ModuleGroup>? optionalGroups = null)
    {
        var configPath = ConfigPathFor(path);
        ConfigParseResult parsed;
        if (File.Exists(configPath))
        {
            parsed = WorldModelConfigYaml.Load(configPath);
        }
        else if (File.Exists(path))
        {
            try
            {
                using var file = SafetensorsFile.Open(path);
                parsed = file.Metadata.TryGetValue(ConfigMetadataKey, out var yaml)
                    ? WorldModelConfigYaml.Parse(yaml, path + "#" + ConfigMetadataKey)
                    : new ConfigParseResult(null, [$"{path}: no model config: neither {configPath} nor metadata '{ConfigMetadataKey}'"]);
            }
            catch (SafetensorsFormatException e)
            {
                parsed = new ConfigParseResult(null, [$"{path}: not a readable safetensors file: {e.Message}"]);
            }
        }
        else
        {
            parsed = new ConfigParseResult(null, [$"{path}: checkpoint not found"]);
        }

        if (!parsed.Ok)
        {
            return new CheckpointLoadResult(null, parsed.Problems);
        }

        var model = DinoWorldModel.CreateForLoading(parsed.Config!);
        var problems = Load(model, path, optionalGroups);
        if (problems.Count > 0)
        {
            model.Dispose();
            return new CheckpointLoadResult(null, problems);
        }

        return new CheckpointLoadResult(model, []);
    }

    /// <summary>Writes the model's state dict (as stored: same dtype) and its config, both into the file's metadata and as YAML beside it.</summary>
    public static void Save(DinoWorldModel model, string path, bool writeConfigBeside = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        var yaml = WorldModelConfigYaml.Serialize(model.Config);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            [ConfigMetadataKey] = yaml,
        };
        SafetensorsTorch.Save(path, model.state_dict(), metadata);
        if (writeConfigBeside)
        {
            File.WriteAllText(ConfigPathFor(path), yaml);
        }
    }

    /// <summary>The config path that goes with a checkpoint: same folder and base name, extension .yaml.</summary>
    public static string ConfigPathFor(string checkpointPath) => Path.ChangeExtension(checkpointPath, ".yaml");
}

/// <summary>A loaded model, or every reason it could not be loaded.</summary>
/// <param name="Model">The model when loading succeeded; the caller owns it.</param>
/// <param name="Problems">Every problem found.</param>
public sealed record CheckpointLoadResult(DinoWorldModel? Model, IReadOnlyList<string> Problems)
{
    /// <summary>True when <see cref="Model"/> is usable.</summary>
    public bool Ok => Model is not null;
}
