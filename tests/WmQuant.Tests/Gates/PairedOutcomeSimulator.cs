using WmQuant.Gates;
using WmQuant.Quantization.Calibration;

namespace WmQuant.Tests.Gates;

/// <summary>
/// Seeded paired episodes of a baseline and a candidate. Each episode draws a difficulty U; the baseline succeeds
/// when U &lt; its rate. With probability rho the candidate reuses U (same difficulty), otherwise it draws its own;
/// it succeeds when that draw is below its rate. At equal rates "reuse" is "copy the baseline's outcome"; with
/// rho = 0 the runs are independent. Reusing the same seed across rates gives common random numbers.
/// </summary>
internal sealed class PairedOutcomeSimulator(ulong seed)
{
    private readonly SplitMix64 random = new(seed);

    public (EvaluatedRun Baseline, EvaluatedRun Candidate) Draw(int episodes, double baselineRate, double candidateRate, double rho)
    {
        var baseline = new GateEpisode[episodes];
        var candidate = new GateEpisode[episodes];
        for (int i = 0; i < episodes; i++)
        {
            int seed = (99 * i) + 1;
            double difficulty = Uniform();
            double own = Uniform();
            bool copies = Uniform() < rho;
            double draw = copies ? difficulty : own;
            // Distances: skewed, near 0 on success and 0.5 + Exp(1) on failure, sharing the episode's draw when copied.
            double baseDistance = Distance(difficulty < baselineRate, Uniform());
            double ownDistance = Distance(draw < candidateRate, Uniform());
            double candidateDistance = copies && (difficulty < baselineRate) == (draw < candidateRate) ? baseDistance : ownDistance;
            baseline[i] = new GateEpisode(seed, difficulty < baselineRate, baseDistance);
            candidate[i] = new GateEpisode(seed, draw < candidateRate, candidateDistance);
        }

        return (new EvaluatedRun(baseline), new EvaluatedRun(candidate));
    }

    private static double Distance(bool success, double u) => success ? 0.2 * u : 0.5 - Math.Log(1 - u);

    private double Uniform() => (random.Next() >> 11) * (1.0 / (1UL << 53));
}
