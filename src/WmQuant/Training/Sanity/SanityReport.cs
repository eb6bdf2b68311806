using System.Text.Json;
using System.Text.Json.Serialization;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Environments.Rendering;
using WmQuant.Environments.Wall;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Diagnostics;
using WmQuant.Reports.Charts;
using WmQuant.Reports.Model;
using WmQuant.Runtime;
using WmQuant.Training.Objectives;
using static TorchSharp.torch;

namespace WmQuant.Training.Sanity;

/// <summary>What <c>wmq sanity</c> asks for.</summary>
/// <param name="Model">A model folder written by training, or its model.safetensors.</param>
/// <param name="Environment">The registered environment the model was trained on.</param>
/// <param name="OutputDirectory">Folder for sanity.json and reconstructions.png (created only when the model loads).</param>
/// <param name="Episodes">Rollouts with random actions.</param>
/// <param name="Steps">Open-loop prediction steps (model actions).</param>
/// <param name="Images">Episodes shown in reconstructions.png.</param>
/// <param name="ProfileEpisodes">Episodes whose start and goal observations are compared pairwise for the distance profiles.</param>
/// <param name="Seed">Seed of the random actions.</param>
public sealed record SanityRequest(
    string Model, string Environment, string OutputDirectory, int Episodes, int Steps, int Images, int ProfileEpisodes, int Seed);

/// <summary>What sanity.json holds.</summary>
/// <param name="Model">File name of the weights.</param>
/// <param name="ModelSha256">Their SHA-256.</param>
/// <param name="Environment">The environment rolled out.</param>
/// <param name="ActionSeed">Seed of the random actions.</param>
/// <param name="EpisodeSeedOffset">Episodes use seeds 99·n + this.</param>
/// <param name="OpenLoop">Open-loop error per step, model against copying the last frame.</param>
/// <param name="VisualRatio">Per step, model over copy-last visual error (below 1: the model beats copying).</param>
/// <param name="DistanceProfiles">The objective's terms against reference distances.</param>
/// <param name="Reconstructions">File name of the reconstructions image.</param>
public sealed record SanityRecord(
    string Model,
    string ModelSha256,
    string Environment,
    int ActionSeed,
    int EpisodeSeedOffset,
    OpenLoopReport OpenLoop,
    double[] VisualRatio,
    IReadOnlyList<LatentDistanceProfile> DistanceProfiles,
    string Reconstructions);

/// <summary>A finished sanity report and where it was written, or the problems that stopped it.</summary>
/// <param name="Record">The report, when it ran.</param>
/// <param name="RecordPath">Where sanity.json went.</param>
/// <param name="ImagePath">Where reconstructions.png went.</param>
/// <param name="Problems">Why it did not run (the model's problems; outputs that could not be written).</param>
public sealed record SanityOutcome(SanityRecord? Record, string? RecordPath, string? ImagePath, IReadOnlyList<Diagnostic> Problems);

/// <summary>
/// The use-case behind <c>wmq sanity</c>: evidence that a trained world model is not trivial — open-loop prediction
/// error over a few steps next to a copy-last-frame baseline on fresh random-action rollouts, decoder reconstructions
/// (real, decoded real, decoded predicted) as one labelled image, and how the planning objective's terms grow with the
/// distance between two observations. It lives with training because it judges what training made, with training's
/// own pixel geodesics; models know no environment, so the rollouts are made here.
/// </summary>
public static class SanityReport
{
    /// <summary>Rollout episodes use seeds 99·n + 3, disjoint from evaluation (99·n + 1) and calibration (99·n + 2).</summary>
    public const int SeedOffset = 3;

    /// <summary>The report's file name.</summary>
    public const string RecordFileName = "sanity.json";

    /// <summary>The reconstructions image's file name.</summary>
    public const string ImageFileName = Reports.ReportFileNames.Reconstructions;

    private const string ModelHint =
        "a model folder holds model.safetensors with model.yaml and normalization.json beside it, all written by wmq train";

    private static readonly string[] RowKinds = ["real", "decoded", "predicted"];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Loads the model, rolls out, measures and writes sanity.json and reconstructions.png.</summary>
    public static SanityOutcome Run(SanityRequest request, Device device)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Episodes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.Images, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.ProfileEpisodes, 1);
        string modelPath = Directory.Exists(request.Model) ? Path.Combine(request.Model, TrainingOutputs.ModelFileName) : request.Model;
        var loaded = ModelBundle.Load(modelPath);
        if (loaded.Model is null)
        {
            return new SanityOutcome(null, null, null, [.. loaded.Problems.Select(p => p with { Hint = p.Hint ?? ModelHint })]);
        }

        using var bundle = loaded.Model;
        using var scope = NewDisposeScope();
        var world = bundle.Model;
        world.MoveTo(device, ScalarType.Float32);
        world.eval();
        var rollouts = new RandomActionRollouts(world.Config, request.Environment, bundle.Normalization);
        var probe = rollouts.NewEnvironment();
        if (probe.ActionDim != world.Config.ActionDim || probe.ProprioDim != world.Config.ProprioDim)
        {
            var mismatch = Diagnostic.Error(DiagnosticCodes.OptionValue,
                $"environment '{request.Environment}' has {probe.ActionDim}-d actions and {probe.ProprioDim}-d proprio; " +
                $"the model was trained on {world.Config.ActionDim}-d actions and {world.Config.ProprioDim}-d proprio",
                hint: "name the environment the model was trained on");
            return new SanityOutcome(null, null, null, [mismatch]);
        }

        var (frames, proprio, actions) = rollouts.Record(request.Episodes, world.Config.NumHist + request.Steps, request.Seed);
        var (openLoop, predicted) = OpenLoopCheck.Run(world, frames, proprio, actions);
        var shown = Math.Min(request.Images, request.Episodes);
        var n = world.Config.NumHist;
        var png = ReconstructionGridImage.Render(Figure(DecoderReconstructions.Tiles(world, frames[..shown, (n - 1)..], predicted[..shown])));
        var profiles = DistanceProfiles(world, rollouts, request.ProfileEpisodes);
        var record = new SanityRecord(
            Path.GetFileName(modelPath), bundle.Sha256, request.Environment, request.Seed, SeedOffset, openLoop, openLoop.VisualRatio, profiles,
            ImageFileName);

        string recordPath = Path.Combine(request.OutputDirectory, RecordFileName);
        string imagePath = Path.Combine(request.OutputDirectory, ImageFileName);
        try
        {
            Directory.CreateDirectory(request.OutputDirectory);
            File.WriteAllBytes(imagePath, png);
            File.WriteAllText(recordPath, JsonSerializer.Serialize(record, Json));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var problem = Diagnostic.FileError(
                DiagnosticCodes.OutputUnwritable, Path.GetFullPath(request.OutputDirectory), $"cannot write the sanity report: {e.Message}");
            return new SanityOutcome(null, null, null, [problem]);
        }

        return new SanityOutcome(record, recordPath, imagePath, []);
    }

    /// <summary><see cref="DecoderReconstructions.Tiles"/> as a figure: per episode three labelled rows, a column per step.</summary>
    private static ReconstructionFigure Figure(Tensor tiles)
    {
        using var owned = tiles;
        int episodes = (int)tiles.shape[0], columns = (int)tiles.shape[2], size = (int)tiles.shape[3];
        int tileBytes = size * size * 3;
        var bytes = tiles.data<byte>().ToArray();
        var rows = new List<ReconstructionRow>();
        for (var e = 0; e < episodes; e++)
        {
            for (var r = 0; r < RowKinds.Length; r++)
            {
                var offset = ((e * RowKinds.Length) + r) * columns * tileBytes;
                var frames = Enumerable.Range(0, columns)
                    .Select(c => new RgbFrame(size, size, bytes[(offset + (c * tileBytes))..(offset + ((c + 1) * tileBytes))]))
                    .ToList();
                rows.Add(new ReconstructionRow($"episode {e + 1} {RowKinds[r]}", frames));
            }
        }

        var labels = Enumerable.Range(0, columns).Select(c => c == 0 ? "observed" : $"t+{c}").ToList();
        return new ReconstructionFigure(labels, rows);
    }

    private static List<LatentDistanceProfile> DistanceProfiles(DinoWorldModel world, RandomActionRollouts rollouts, int episodes)
    {
        var (frames, proprio, states) = rollouts.StartsAndGoals(episodes);
        var count = states.Count;
        var probe = rollouts.NewEnvironment();
        var stateDistance = new double[count * count];
        for (var i = 0; i < count; i++)
        {
            probe.SetState(states[i]);
            for (var j = 0; j < count; j++)
            {
                stateDistance[(i * count) + j] = probe.StateDistance(states[j]);
            }
        }

        var profiles = new List<LatentDistanceProfile> { LatentDistanceProfile.Compute(world, frames, proprio, stateDistance, "state distance") };
        if (probe is WallEnvironment)
        {
            // The agent is a red dot among black walls: shortest free paths between the dots, in world pixels.
            var worldPixels = (double)WallLayout.WorldSize / frames.shape[3];
            var paths = PixelGeodesics.Pairwise(frames).Mul(worldPixels).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            profiles.Add(LatentDistanceProfile.Compute(world, frames, proprio, paths, "shortest free path (px)"));
        }

        return profiles;
    }
}
