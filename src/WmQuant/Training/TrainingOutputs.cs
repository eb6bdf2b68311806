using WmQuant.IO;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using WmQuant.Environments.Datasets;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using static TorchSharp.torch;

namespace WmQuant.Training;

/// <summary>
/// The files a finished run leaves in its output folder: model.safetensors + model.yaml (the model),
/// normalization.json (the action/proprio statistics planners must apply to their inputs) and
/// training.json (what produced the weights, for reproducing and auditing them).
/// </summary>
public static class TrainingOutputs
{
    /// <summary>Weights file name.</summary>
    public const string ModelFileName = "model.safetensors";

    /// <summary>Normalisation statistics file name.</summary>
    public const string NormalizationFileName = NormalizationRecord.FileName;

    /// <summary>Run record file name.</summary>
    public const string RecordFileName = "training.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes every output file (the weights atomically: temporary file, then rename) and returns the weights path.</summary>
    public static string Write(string directory, DinoWorldModel model, DatasetCard card, TrainingSettings settings, IReadOnlyList<LossRecord> losses, double wallSeconds, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(card);
        var path = Path.Combine(directory, ModelFileName);
        var temporary = path + ".tmp";
        WorldModelCheckpoint.Save(model, temporary, writeConfigBeside: false);
        File.Move(temporary, path, overwrite: true);
        File.WriteAllText(WorldModelCheckpoint.ConfigPathFor(path), WorldModelConfigYaml.Serialize(model.Config));
        File.WriteAllText(Path.Combine(directory, NormalizationFileName), JsonSerializer.Serialize(new NormalizationRecord(card.ActionMean, card.ActionStd, card.ProprioMean, card.ProprioStd), Json));
        var record = new TrainingRecord(
            model.Config.Name,
            settings,
            settings.Seed,
            card.Environment,
            CardSha256(card),
            losses,
            wallSeconds,
            device.ToString(),
            FileHashes.Sha256(path));
        File.WriteAllText(Path.Combine(directory, RecordFileName), JsonSerializer.Serialize(record, Json));
        return path;
    }

    /// <summary>Hex SHA-256 of the card as the dataset writes it: identifies the data a model was trained on.</summary>
    public static string CardSha256(DatasetCard card) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(card, DatasetCard.JsonOptions)));
}

/// <summary>The training.json record.</summary>
/// <param name="Model">Model config name.</param>
/// <param name="Settings">Every training setting.</param>
/// <param name="Seed">The run seed (also inside the settings; repeated for readers that look for it).</param>
/// <param name="Environment">Dataset environment.</param>
/// <param name="DatasetCardSha256">Identifies the dataset.</param>
/// <param name="Losses">Recorded losses.</param>
/// <param name="WallSeconds">Training wall time.</param>
/// <param name="Device">Device trained on.</param>
/// <param name="ModelSha256">SHA-256 of model.safetensors.</param>
public sealed record TrainingRecord(
    string Model,
    TrainingSettings Settings,
    int Seed,
    string Environment,
    string DatasetCardSha256,
    IReadOnlyList<LossRecord> Losses,
    double WallSeconds,
    string Device,
    string ModelSha256);
