using WmQuant.Gates.Statistics;
using WmQuant.Naming;
using WmQuant.Planning.Statistics;
using F = WmQuant.Gates.GateNumberFormat;

namespace WmQuant.Gates;

/// <summary>
/// Judges min/max gates. The point estimate decides (a recipe's "min: 0.85" reads as "the measured success rate is
/// at least 0.85"); the confidence interval is reported beside it so a reader sees how much the number could move.
/// </summary>
internal static class AbsoluteGate
{
    public static GateVerdict Judge(GateSpec gate, GateKind kind, double threshold, EvaluatedRun candidate) => gate.Metric switch
    {
        GateMetric.SuccessRate => SuccessRate(gate, kind, threshold, candidate),
        GateMetric.StateDistance => StateDistance(gate, kind, threshold, candidate),
        _ => SingleValue(gate, kind, threshold, ScalarOf(gate.Metric, candidate)),
    };

    internal static double? ScalarOf(GateMetric metric, EvaluatedRun run) => metric switch
    {
        GateMetric.PlanningLoss => run.PlanningLoss,
        GateMetric.LatentGap => run.LatentGap,
        GateMetric.LatentDrift => run.LatentDrift,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Not a run-level scalar."),
    };

    private static GateVerdict SuccessRate(GateSpec gate, GateKind kind, double threshold, EvaluatedRun candidate)
    {
        if (EpisodePairing.Problem(candidate, "candidate", needsDistances: false) is { } problem)
        {
            return GateVerdicts.NotJudged(gate, kind, threshold, problem);
        }

        int trials = candidate.Episodes.Count;
        int successes = candidate.Episodes.Count(e => e.Success);
        double value = (double)successes / trials;
        double z = NormalDistribution.Quantile(1 - ((1 - gate.Confidence) / 2));
        var wilson = WilsonInterval.Compute(successes, trials, z);
        var interval = new ValueInterval(wilson.Lower, wilson.Upper);
        int decimals = F.Decimals(value, threshold, proportion: true);
        string evidence = $"{F.Percent(gate.Confidence)} Wilson [{F.Fixed(interval.Lower, decimals)}, {F.Fixed(interval.Upper, decimals)}]";
        return Decide(gate, kind, value, threshold, GateTest.WilsonInterval, interval, decimals, evidence);
    }

    private static GateVerdict StateDistance(GateSpec gate, GateKind kind, double threshold, EvaluatedRun candidate)
    {
        if (EpisodePairing.Problem(candidate, "candidate", needsDistances: true) is { } problem)
        {
            return GateVerdicts.NotJudged(gate, kind, threshold, problem);
        }

        var distances = candidate.Episodes.Select(e => e.StateDistance).ToList();
        double value = MeanBounds.Describe(distances).Mean;
        if (distances.Count < 2)
        {
            int single = F.Decimals(value, threshold);
            return Decide(gate, kind, value, threshold, GateTest.StudentTInterval, null, single, "1 episode, no interval");
        }

        var (lower, upper) = MeanBounds.TwoSided(distances, gate.Confidence);
        var interval = new ValueInterval(lower, upper);
        int decimals = F.Decimals(value, threshold, [lower, upper]);
        string evidence = $"{F.Percent(gate.Confidence)} Student-t [{F.Fixed(lower, decimals)}, {F.Fixed(upper, decimals)}]";
        return Decide(gate, kind, value, threshold, GateTest.StudentTInterval, interval, decimals, evidence);
    }

    private static GateVerdict SingleValue(GateSpec gate, GateKind kind, double threshold, double? measured)
    {
        if (measured is not { } value)
        {
            return GateVerdicts.NotJudged(gate, kind, threshold, $"{Names.Of(gate.Metric)} was not measured in the candidate run");
        }

        if (!double.IsFinite(value))
        {
            return GateVerdicts.NotJudged(gate, kind, threshold, $"the candidate's {Names.Of(gate.Metric)} is {F.Fixed(value, 2)}");
        }

        int decimals = F.Decimals(value, threshold);
        return Decide(gate, kind, value, threshold, GateTest.SingleValue, null, decimals, "single value, no interval");
    }

    private static GateVerdict Decide(GateSpec gate, GateKind kind, double value, double threshold, GateTest test, ValueInterval? interval, int decimals, string evidence)
    {
        bool passed = kind == GateKind.Min ? value >= threshold : value <= threshold;
        string op = (kind, passed) switch
        {
            (GateKind.Min, true) => ">=",
            (GateKind.Min, false) => "<",
            (_, true) => "<=",
            _ => ">",
        };
        string message = $"{Names.Of(gate.Metric)} {F.Fixed(value, decimals)} {op} {Names.Of(kind)} {F.Fixed(threshold, decimals)} ({evidence})";
        return new GateVerdict(gate.Metric, kind, passed ? GateOutcome.Passed : GateOutcome.Failed, value, value, threshold,
            gate.Confidence, test, interval, null, null, gate.Position, message);
    }
}
