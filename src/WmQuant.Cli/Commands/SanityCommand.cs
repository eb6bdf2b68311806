using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Cli.Hosting;
using WmQuant.Environments;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Diagnostics;
using WmQuant.Runtime;
using WmQuant.Training;
using WmQuant.Training.Objectives;
using static TorchSharp.torch;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq sanity`: evidence that a trained world model is not trivial — open-loop prediction error over a few
/// steps next to a copy-last-frame baseline on fresh environment rollouts with random actions, a PNG of
/// decoder reconstructions (real, decoded real, decoded predicted), and how the planning objective's terms
/// grow with the distance between two observations.
/// </summary>
internal static class SanityCommand
{
    /// <summary>Rollout episodes use seeds 99·n + 3, disjoint from evaluation (99·n + 1) and calibration (99·n + 2).</summary>
    private const int SeedOffset = 3;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var model = new Option<string>("--model") { Description = "Model folder (model.safetensors, model.yaml, normalization.json) or its model.safetensors.", Required = true };
        var env = new Option<string>("--env") { Description = "wall | pusht", Required = true };
        env.AcceptOnlyFromAmong("wall", "pusht");
        var output = new Option<string>("--out") { Description = "Folder for sanity.json and reconstructions.png.", Required = true };
        var episodes = new Option<int>("--episodes") { Description = "Rollouts with random actions (seeds 99·n+3).", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Open-loop prediction steps (model actions).", DefaultValueFactory = _ => 5 };
        var images = new Option<int>("--images") { Description = "Episodes shown in reconstructions.png.", DefaultValueFactory = _ => 3 };
        var pairs = new Option<int>("--profile-episodes") { Description = "Episodes whose start and goal observations are compared pairwise for the distance profile.", DefaultValueFactory = _ => 80 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random actions.", DefaultValueFactory = _ => 0 };
        var command = new Command("sanity", "Open-loop prediction error vs a copy-last-frame baseline, decoder reconstructions (PNG) and the objective's distance profile of a trained model.");
        runtime.AddTo(command);
        foreach (var option in new Option[] { model, env, output, episodes, steps, images, pairs, seed })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var path = parse.GetValue(model)!;
            var modelPath = Directory.Exists(path) ? Path.Combine(path, TrainingOutputs.ModelFileName) : path;
            var normalizationPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, TrainingOutputs.NormalizationFileName);
            if (!File.Exists(modelPath) || !File.Exists(normalizationPath))
            {
                Console.Error.WriteLine($"{modelPath}: error WMQ3101: need model.safetensors with normalization.json beside it (written by wmq train)");
                return ExitCodes.InvalidInput;
            }

            var stats = JsonSerializer.Deserialize<NormalizationRecord>(File.ReadAllText(normalizationPath), Json)!;
            var info = TorchRuntime.Initialize(runtime.Read(parse, parse.GetValue(seed)));
            var loaded = WorldModelCheckpoint.LoadModel(modelPath);
            if (loaded.Model is null)
            {
                foreach (var problem in loaded.Problems)
                {
                    Console.Error.WriteLine($"{modelPath}: error WMQ3102: {problem}");
                }

                return ExitCodes.InvalidInput;
            }

            using var world = loaded.Model;
            world.MoveTo(info.Device, ScalarType.Float32);
            world.eval();
            var envName = parse.GetValue(env)!;
            var outDir = parse.GetValue(output)!;
            Directory.CreateDirectory(outDir);
            var rollouts = new RandomActionRollouts(world.Config, envName, stats);
            var k = parse.GetValue(steps);
            var (frames, proprio, actions) = rollouts.Record(parse.GetValue(episodes), world.Config.NumHist + k, parse.GetValue(seed));
            var (report, predicted) = OpenLoopCheck.Run(world, frames, proprio, actions);

            var shown = Math.Min(parse.GetValue(images), (int)frames.shape[0]);
            var n = world.Config.NumHist;
            var png = ReconstructionSheet.Render(world, frames[..shown, (n - 1)..], predicted[..shown]);
            var pngPath = Path.Combine(outDir, "reconstructions.png");
            File.WriteAllBytes(pngPath, png);

            var profiles = DistanceProfiles(world, rollouts, envName, parse.GetValue(pairs));
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"open-loop prediction over {report.Episodes} random-action rollouts ({envName}, seeds 99·n+{SeedOffset}), visual latent MSE per step:");
            Console.WriteLine("step  model      copy-last  ratio   | proprio model  copy-last");
            for (var i = 0; i < report.Steps.Length; i++)
            {
                Console.WriteLine(string.Create(inv, $"{report.Steps[i],4}  {report.ModelVisualMse[i],-9:G4}  {report.CopyLastVisualMse[i],-9:G4}  {report.VisualRatio[i],-6:F3}  | {report.ModelProprioMse[i],-13:G4}  {report.CopyLastProprioMse[i]:G4}"));
            }

            foreach (var profile in profiles)
            {
                Console.WriteLine(string.Create(inv, $"objective terms vs {profile.Reference}: Spearman visual {profile.VisualSpearman:F3}, proprio {profile.ProprioSpearman:F3}"));
                foreach (var band in profile.Bands)
                {
                    Console.WriteLine(string.Create(inv, $"  [{band.From,5:F1}, {band.To,5:F1})  pairs {band.Pairs,5}  visual {band.VisualMse,-9:G4}  proprio {band.ProprioMse:G4}"));
                }
            }

            var record = new SanityRecord(Path.GetFileName(modelPath), WmQuant.IO.FileHashes.Sha256(modelPath), envName, parse.GetValue(seed), SeedOffset, report, report.VisualRatio, profiles, Path.GetFileName(pngPath));
            File.WriteAllText(Path.Combine(outDir, "sanity.json"), JsonSerializer.Serialize(record, Json));
            Console.WriteLine($"wrote {Path.Combine(outDir, "sanity.json")} and {pngPath}");
            return ExitCodes.Passed;
        });
        return command;
    }

    private static List<LatentDistanceProfile> DistanceProfiles(DinoWorldModel world, RandomActionRollouts rollouts, string envName, int episodes)
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
        if (envName == "wall")
        {
            // The agent is a red dot among black walls: shortest free paths between the dots, in world pixels.
            using var scope = NewDisposeScope();
            var worldPixels = 65.0 / frames.shape[3];
            var paths = (PixelGeodesics.Pairwise(frames) * worldPixels).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
            profiles.Add(LatentDistanceProfile.Compute(world, frames, proprio, paths, "shortest free path (px)"));
        }

        return profiles;
    }

    /// <summary>What sanity.json holds.</summary>
    private sealed record SanityRecord(
        string Model,
        string ModelSha256,
        string Environment,
        int ActionSeed,
        int EpisodeSeedOffset,
        OpenLoopReport OpenLoop,
        double[] VisualRatio,
        IReadOnlyList<LatentDistanceProfile> DistanceProfiles,
        string Reconstructions);

    /// <summary>Environment rollouts for the checks, in the model's normalised units.</summary>
    private sealed class RandomActionRollouts(Models.Config.WorldModelConfig config, string environment, NormalizationRecord stats)
    {
        private readonly int _renderSize = config.ImageSize == 196 ? 224 : config.ImageSize;

        public IPlanningEnvironment NewEnvironment() => EnvironmentCatalog.Create(environment, null, _renderSize);

        /// <summary>
        /// Per episode, <paramref name="frames"/> observations: from the episode's start, each model step holds one
        /// random action (N(0, 1) per dimension in normalised units) for frameskip environment steps.
        /// </summary>
        public (Tensor Frames, Tensor Proprio, Tensor Actions) Record(int episodes, int frames, int seed)
        {
            var env = NewEnvironment();
            var a = env.ActionDim;
            var p = env.ProprioDim;
            var fs = config.Frameskip;
            var s = _renderSize;
            var images = new float[episodes * frames * 3 * s * s];
            var proprio = new float[episodes * frames * p];
            var actions = new float[episodes * (frames - 1) * a * fs];
            var envAction = new double[a];
            var raw = new double[p];
            for (var e = 0; e < episodes; e++)
            {
                var random = new Random(unchecked((seed * 1_000_003) + e));
                env.Reset((99 * e) + SeedOffset);
                for (var t = 0; t < frames; t++)
                {
                    Observe(env, images, proprio, raw, (e * frames) + t);
                    if (t == frames - 1)
                    {
                        break;
                    }

                    var normalised = Enumerable.Range(0, a).Select(_ => Gaussian.Next(random)).ToArray();
                    for (var f = 0; f < fs; f++)
                    {
                        for (var d = 0; d < a; d++)
                        {
                            actions[(((e * (frames - 1)) + t) * a * fs) + (f * a) + d] = (float)normalised[d];
                            envAction[d] = stats.ActionMean[d] + (stats.ActionStd[d] * normalised[d]);
                        }

                        env.Step(envAction);
                    }
                }
            }

            return (
                tensor(images).reshape(episodes, frames, 3, s, s),
                tensor(proprio).reshape(episodes, frames, p),
                tensor(actions).reshape(episodes, frames - 1, a * fs));
        }

        /// <summary>The start and goal observations of <paramref name="episodes"/> episodes, with their states.</summary>
        public (Tensor Frames, Tensor Proprio, List<double[]> States) StartsAndGoals(int episodes)
        {
            var env = NewEnvironment();
            var s = _renderSize;
            var count = 2 * episodes;
            var images = new float[count * 3 * s * s];
            var proprio = new float[count * env.ProprioDim];
            var raw = new double[env.ProprioDim];
            var states = new List<double[]>();
            for (var e = 0; e < episodes; e++)
            {
                var spec = env.SampleEpisode((99 * e) + SeedOffset);
                foreach (var state in new[] { spec.StartState, spec.GoalState })
                {
                    env.SetState(state);
                    var full = new double[env.StateDim];
                    env.CopyState(full);
                    Observe(env, images, proprio, raw, states.Count);
                    states.Add(full);
                }
            }

            return (tensor(images).reshape(count, 3, s, s), tensor(proprio).reshape(count, env.ProprioDim), states);
        }

        private void Observe(IPlanningEnvironment env, float[] images, float[] proprio, double[] raw, int index)
        {
            var frame = env.Render(_renderSize);
            var plane = _renderSize * _renderSize;
            var offset = index * 3 * plane;
            for (var q = 0; q < plane; q++)
            {
                for (var c = 0; c < 3; c++)
                {
                    images[offset + (c * plane) + q] = frame.Pixels[(3 * q) + c] / 255f;
                }
            }

            env.CopyProprio(raw);
            for (var d = 0; d < raw.Length; d++)
            {
                proprio[(index * raw.Length) + d] = (float)((raw[d] - stats.ProprioMean[d]) / stats.ProprioStd[d]);
            }
        }
    }
}
