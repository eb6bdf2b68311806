using WmQuant.Environments;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using static TorchSharp.torch;

namespace WmQuant.Training.Sanity;

/// <summary>
/// Environment rollouts with random actions for the sanity checks, in the model's normalised units. Episodes use
/// seeds 99·n + <see cref="SanityReport.SeedOffset"/>, disjoint from evaluation (99·n + 1) and calibration (99·n + 2).
/// </summary>
internal sealed class RandomActionRollouts(WorldModelConfig config, string environment, NormalizationRecord stats)
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
            env.Reset((99 * e) + SanityReport.SeedOffset);
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
            var spec = env.SampleEpisode((99 * e) + SanityReport.SeedOffset);
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
