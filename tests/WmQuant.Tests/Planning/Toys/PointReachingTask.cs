using WmQuant.Planning;

namespace WmQuant.Tests.Planning.Toys;

/// <summary>
/// A 2-D point that must reach a goal: pos += clamp(action, ±1) per env step, success within
/// <see cref="SuccessRadius"/>. Images are 3×2×2 with channels 0/1 encoding x/y, so a model must
/// read the position from pixels.
/// </summary>
internal sealed class PointReachingTask : IEpisodeBatch
{
    public const double SuccessRadius = 0.5;
    public const float PixelScale = 20f;
    private readonly double[][] _position;
    private readonly double[][] _goal;

    public PointReachingTask(int count, int frameskip = 2)
    {
        Count = count;
        Frameskip = frameskip;
        _position = new double[count][];
        _goal = new double[count][];
        StepsTaken = new int[count];
    }

    public int Count { get; }
    public int EnvActionDim => 2;
    public int Frameskip { get; }
    public int ImageSize => 2;
    public int ProprioDim => 2;
    public int[] StepsTaken { get; }

    public void Reset(IReadOnlyList<int> seeds)
    {
        for (int e = 0; e < Count; e++)
        {
            var rng = new Random(seeds[e]);
            _position[e] = [(rng.NextDouble() * 12) - 6, (rng.NextDouble() * 12) - 6];
            _goal[e] = [(rng.NextDouble() * 12) - 6, (rng.NextDouble() * 12) - 6];
            StepsTaken[e] = 0;
        }
    }

    public (float[] Images, float[] Proprio) Observe(IReadOnlyList<int> which) => Render(which, _position);

    public (float[] Images, float[] Proprio) ObserveGoals(IReadOnlyList<int> which) => Render(which, _goal);

    public void Step(int episode, ReadOnlySpan<float> envAction)
    {
        StepsTaken[episode]++;
        for (int d = 0; d < 2; d++)
        {
            _position[episode][d] += Math.Clamp(envAction[d], -1f, 1f);
        }
    }

    public bool IsSuccess(int episode) => StateDistance(episode) < SuccessRadius;

    public double StateDistance(int episode) =>
        Math.Sqrt(Math.Pow(_position[episode][0] - _goal[episode][0], 2) + Math.Pow(_position[episode][1] - _goal[episode][1], 2));

    public double[] Position(int episode) => (double[])_position[episode].Clone();

    private static (float[] Images, float[] Proprio) Render(IReadOnlyList<int> which, double[][] states)
    {
        const int pixels = 4;
        var images = new float[which.Count * 3 * pixels];
        var proprio = new float[which.Count * 2];
        for (int i = 0; i < which.Count; i++)
        {
            var s = states[which[i]];
            for (int c = 0; c < 3; c++)
            {
                float value = c < 2 ? (float)(s[c] / PixelScale) + 0.5f : 0.5f;
                for (int p = 0; p < pixels; p++)
                {
                    images[(((i * 3) + c) * pixels) + p] = value;
                }
            }

            proprio[(i * 2) + 0] = (float)s[0];
            proprio[(i * 2) + 1] = (float)s[1];
        }

        return (images, proprio);
    }
}
