using WmQuant.Environments.PushT;

namespace WmQuant.Environments.Datasets;

/// <summary>
/// PushT training data from the noisy <see cref="ScriptedPusher"/>, starting from upstream's reset
/// distribution (pusher in [50, 450]², block in [100, 400]², any angle). Upstream trains on 18,500
/// noisy replays of human expert demonstrations, which are not available here; this data is a
/// stand-in and the card says so.
/// </summary>
/// <remarks>
/// A predictor trained on scripted pushes alone mispredicts the actions CEM samples (measured: open-loop
/// error 2.1–2.7× worse than copying the last frame on random actions), because the scripted pusher always
/// heads for the block's far side. <see cref="ExplorationShare"/> of the trajectories therefore start with
/// the pusher next to the block and switch every 3–10 steps between independent Gaussian actions (what CEM's
/// first samples look like), a lunge at a random point on or near the block (pushes from every side and
/// at every angle) and a stretch of the scripted pusher.
/// </remarks>
public sealed class PushTScriptedGenerator : IDatasetGenerator
{
    /// <summary>Standard deviation of the Gaussian noise added to every scripted action.</summary>
    public double ActionNoise { get; init; } = 0.05;

    /// <summary>Share of trajectories whose scripted pushing (all of it, or an exploring trajectory's scripted stretches) keeps upstream's demonstration pace (<see cref="ScriptedPusher.DemoPaceActionNorm"/>) instead of the fast one.</summary>
    public double DemoPaceShare { get; init; }

    /// <summary>Share of trajectories that explore around the block instead of following the scripted pusher throughout.</summary>
    public double ExplorationShare { get; init; }

    /// <summary>Per-dimension standard deviation of the independent Gaussian actions of exploring trajectories (the scripted data's action std is about 0.35).</summary>
    public double JitterStd { get; init; } = 0.35;

    /// <inheritdoc />
    public string Environment => "pusht";

    /// <summary>The generator's settings in words, for the dataset card.</summary>
    public string Description =>
        FormattableString.Invariant($"pusht scripted pusher (approach behind the block, push towards random targets), Gaussian action noise σ {ActionNoise}")
        + (DemoPaceShare > 0 ? FormattableString.Invariant($"; {DemoPaceShare:0.##} of trajectories at demonstration pace (step ≤ {ScriptedPusher.DemoPaceActionNorm}, else ≤ {ScriptedPusher.MaxActionNorm})") : string.Empty)
        + (ExplorationShare > 0 ? FormattableString.Invariant($"; {ExplorationShare:0.##} exploring trajectories (pusher starts 40–110 px from the block; segments of 3–10 steps: 0.4 independent N(0, {JitterStd}²) actions, 0.3 lunges at a random point N(block centre, 60 px), 0.3 scripted pushing)") : string.Empty);

    /// <inheritdoc />
    public GeneratedDataset Generate(int trajectories, int steps, int seed, IProgress<int>? progress = null)
    {
        var (trajs, proprio) = DatasetAssembler.Rollouts(trajectories, steps, seed, progress,
            () => new PushTEnvironment(imageSize: 1),
            (trajectorySeed, env) =>
            {
                var random = new Random(trajectorySeed);
                double[] start =
                [
                    50 + (400 * random.NextDouble()),
                    50 + (400 * random.NextDouble()),
                    100 + (300 * random.NextDouble()),
                    100 + (300 * random.NextDouble()),
                    (2 * Math.PI * random.NextDouble()) - Math.PI,
                ];
                var state = new double[7];
                var exploring = random.NextDouble() < ExplorationShare;
                var pace = DemoPaceShare > 0 && random.NextDouble() < DemoPaceShare ? ScriptedPusher.DemoPaceActionNorm : ScriptedPusher.MaxActionNorm;
                var policy = new ScriptedPusher(trajectorySeed ^ 0x5EED, ActionNoise, pace);
                if (exploring)
                {
                    // Pusher 40–110 px from the block's centre, in any direction (clamped inside the walls).
                    var (cx, cy) = ScriptedPusher.BlockCentre(start);
                    var angle = 2 * Math.PI * random.NextDouble();
                    var radius = 40 + (70 * random.NextDouble());
                    start[0] = Math.Clamp(cx + (radius * Math.Cos(angle)), 30, 482);
                    start[1] = Math.Clamp(cy + (radius * Math.Sin(angle)), 30, 482);
                }

                env.SetState(start);
                if (!exploring)
                {
                    return () =>
                    {
                        env.CopyState(state);
                        return policy.Act(state);
                    };
                }

                var mode = 0;
                var left = 0;
                (double X, double Y) lungeTarget = default;
                return () =>
                {
                    env.CopyState(state);
                    if (left-- <= 0)
                    {
                        left = 3 + random.Next(8);
                        var u = random.NextDouble();
                        mode = u < 0.4 ? 0 : u < 0.7 ? 1 : 2;
                        var (cx, cy) = ScriptedPusher.BlockCentre(state);
                        lungeTarget = (cx + (60 * Gaussian.Next(random)), cy + (60 * Gaussian.Next(random)));
                    }

                    return mode switch
                    {
                        0 => [JitterStd * Gaussian.Next(random), JitterStd * Gaussian.Next(random)],
                        1 => Lunge(state, lungeTarget, random),
                        _ => policy.Act(state),
                    };
                };
            });
        var card = DatasetAssembler.Card(
            Environment, Description, seed, steps, trajs, proprio, proprioDim: 4,
            "Scripted stand-in for upstream's expert demonstrations (not available): behaviour differs from human pushing. "
            + "Actions are relative (target = agent + 100·action). States: agent x, y, block x, y, angle mod 2π, agent vx, vy. "
            + "Images are re-rendered from states (PushTRenderer).");
        return new GeneratedDataset(card, trajs);
    }

    // A step towards target, as far as the scripted pusher's largest step, plus the action noise.
    private double[] Lunge(double[] state, (double X, double Y) target, Random random)
    {
        var (x, y) = ScriptedPusher.StepToward(state, target.X, target.Y, ScriptedPusher.MaxActionNorm);
        return [x + (ActionNoise * Gaussian.Next(random)), y + (ActionNoise * Gaussian.Next(random))];
    }
}
