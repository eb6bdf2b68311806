using WmQuant.Gates.Statistics;
using WmQuant.Naming;
using WmQuant.Planning.Statistics;
using F = WmQuant.Gates.GateNumberFormat;

namespace WmQuant.Gates;

/// <summary>
/// Judges max_drop_vs_baseline gates on episodes paired by seed. The gate fails only when the one-sided lower
/// confidence bound of the drop exceeds the allowed drop δ, so noise does not fail a build (false failures ≤ 1 −
/// confidence when the true drop is ≤ δ) while a real drop still does. "Drop" is in the metric's worse direction.
/// </summary>
internal static class RegressionGate
{
    public static GateVerdict Judge(GateSpec gate, double allowed, EvaluatedRun candidate, EvaluatedRun? baseline)
    {
        if (baseline is null)
        {
            string message = gate.BaselineManifest is { } manifest
                ? $"no baseline episodes were loaded from '{manifest}'; a regression gate compares the candidate with them seed by seed"
                : "no baseline run to compare with; a regression gate needs the FP model's evaluation (or a previous artifact's episodes) on the same seeds";
            return GateVerdicts.NotJudged(gate, GateKind.MaxDropVsBaseline, allowed, message);
        }

        if (candidate.Precision != baseline.Precision)
        {
            return GateVerdicts.NotJudged(gate, GateKind.MaxDropVsBaseline, allowed,
                $"the candidate planned in {Names.Of(candidate.Precision)} and the baseline in {Names.Of(baseline.Precision)}; paired gates compare evaluations of one precision");
        }

        if (gate.Metric is not (GateMetric.SuccessRate or GateMetric.StateDistance))
        {
            return SingleValues(gate, allowed, candidate, baseline);
        }

        bool distances = gate.Metric == GateMetric.StateDistance;
        string? problem = EpisodePairing.Problem(candidate, "candidate", distances) ?? EpisodePairing.Problem(baseline, "baseline", distances);
        var (pairs, pairing) = problem is null ? EpisodePairing.Pair(candidate, baseline) : ([], null);
        if ((problem ?? pairing) is { } why)
        {
            return GateVerdicts.NotJudged(gate, GateKind.MaxDropVsBaseline, allowed, why);
        }

        return distances ? StateDistance(gate, allowed, pairs) : SuccessRate(gate, allowed, pairs);
    }

    private static GateVerdict SuccessRate(GateSpec gate, double allowed, IReadOnlyList<(GateEpisode Baseline, GateEpisode Candidate)> pairs)
    {
        int n = pairs.Count;
        var comparison = PairedComparison.Compare(
            pairs.Select(p => (p.Baseline.Seed, p.Baseline.Success)).ToList(),
            pairs.Select(p => (p.Candidate.Seed, p.Candidate.Success)).ToList());
        int lost = comparison.OnlyFirst;
        int gained = comparison.OnlySecond;
        double drop = (double)(lost - gained) / n;
        double alpha = 1 - gate.Confidence;
        double bound;
        double? pValue = null;
        GateTest test;
        string method;
        bool failed = SuccessRateFails(lost, gained, n, allowed, gate.Confidence);
        if (allowed == 0)
        {
            test = GateTest.ExactMcNemar;
            pValue = PairedComparison.OneSidedExactMcNemar(lost, gained);
            bound = McNemarBound(lost, gained, n, alpha, failed);
            method = $"exact one-sided McNemar p {F.PValue(pValue.Value)}";
        }
        else if (allowed < 1)
        {
            test = GateTest.ExactUnconditionalScore;
            bound = PairedDropScoreTest.LowerBound(lost, gained, n, allowed, alpha);
            method = "exact unconditional score test";
        }
        else
        {
            test = GateTest.ExactUnconditionalScore;
            bound = drop;
            method = "a success rate cannot drop by more than 1";
        }

        int decimals = F.Decimals(bound, allowed, [drop], proportion: true);
        string moved = drop >= 0 ? $"dropped {F.Fixed(drop, decimals)}" : $"rose {F.Fixed(-drop, decimals)}";
        string message = $"success_rate {moved} vs baseline (paired, {F.Count(n)} seeds: {F.Count(lost)} lost, {F.Count(gained)} gained); "
            + $"{F.Percent(gate.Confidence)} lower bound of the drop {F.Fixed(bound, decimals)} {(failed ? ">" : "<=")} allowed {F.Fixed(allowed, decimals)} ({method})";
        return new GateVerdict(gate.Metric, GateKind.MaxDropVsBaseline, failed ? GateOutcome.Failed : GateOutcome.Passed, drop, bound, allowed,
            gate.Confidence, test, null, new PairedCounts(n, lost, gained), pValue, gate.Position, message);
    }

    /// <summary>
    /// The decision of a success-rate regression gate from paired counts: with δ = 0 the exact one-sided McNemar
    /// test (given the discordant seeds, lost ~ Binomial(lost + gained, 1/2) when nothing dropped), with δ &gt; 0 the
    /// exact unconditional score test. The simulation suite drives this same function.
    /// </summary>
    internal static bool SuccessRateFails(int lost, int gained, int pairs, double allowed, double confidence)
    {
        double alpha = 1 - confidence;
        return allowed switch
        {
            0 => PairedComparison.OneSidedExactMcNemar(lost, gained) < alpha,
            < 1 => PairedDropScoreTest.Rejects(lost, gained, pairs, allowed, alpha),
            _ => false,
        };
    }

    /// <summary>
    /// Lower bound of the drop matching the exact McNemar decision: (discordant / n)·(2θ − 1), θ the one-sided
    /// Clopper–Pearson lower bound of the share of discordant seeds that were lost. It is above 0 exactly when the
    /// test rejects; the side of the bracket is chosen so rounding never contradicts the decision.
    /// </summary>
    private static double McNemarBound(int lost, int gained, int n, double alpha, bool failed)
    {
        int discordant = lost + gained;
        if (discordant == 0)
        {
            return 0;
        }

        var (lower, upper) = BinomialTail.ClopperPearsonLowerBracket(discordant, lost, alpha);
        double theta = failed ? upper : lower;
        return (double)discordant / n * ((2 * theta) - 1);
    }

    private static GateVerdict StateDistance(GateSpec gate, double allowed, IReadOnlyList<(GateEpisode Baseline, GateEpisode Candidate)> pairs)
    {
        if (pairs.Count < 2)
        {
            return GateVerdicts.NotJudged(gate, GateKind.MaxDropVsBaseline, allowed,
                $"a paired confidence bound needs at least 2 paired episodes, got {F.Count(pairs.Count)}");
        }

        var differences = pairs.Select(p => p.Candidate.StateDistance - p.Baseline.StateDistance).ToList();
        double rise = MeanBounds.Describe(differences).Mean;
        double bound = MeanBounds.Lower(differences, gate.Confidence);
        bool failed = bound > allowed;
        int decimals = F.Decimals(bound, allowed, [rise]);
        string moved = rise >= 0 ? $"rose {F.Fixed(rise, decimals)}" : $"fell {F.Fixed(-rise, decimals)}";
        string message = $"state_distance {moved} vs baseline (paired, {F.Count(pairs.Count)} seeds; higher is worse); "
            + $"{F.Percent(gate.Confidence)} lower bound of the rise {F.Fixed(bound, decimals)} {(failed ? ">" : "<=")} allowed {F.Fixed(allowed, decimals)} (paired t)";
        return new GateVerdict(gate.Metric, GateKind.MaxDropVsBaseline, failed ? GateOutcome.Failed : GateOutcome.Passed, rise, bound, allowed,
            gate.Confidence, GateTest.PairedT, null, null, null, gate.Position, message);
    }

    private static GateVerdict SingleValues(GateSpec gate, double allowed, EvaluatedRun candidate, EvaluatedRun baseline)
    {
        string name = Names.Of(gate.Metric);
        double? c = AbsoluteGate.ScalarOf(gate.Metric, candidate);
        double? b = AbsoluteGate.ScalarOf(gate.Metric, baseline);
        if (c is not { } cv || b is not { } bv)
        {
            string which = c is null && b is null ? "the candidate or the baseline run" : c is null ? "the candidate run" : "the baseline run";
            return GateVerdicts.NotJudged(gate, GateKind.MaxDropVsBaseline, allowed, $"{name} was not measured in {which}");
        }

        if (!double.IsFinite(cv) || !double.IsFinite(bv))
        {
            return GateVerdicts.NotJudged(gate, GateKind.MaxDropVsBaseline, allowed, $"{name} is not a finite number in both runs");
        }

        // Higher is worse for every run-level scalar gates know (losses, gaps, drift).
        double rise = cv - bv;
        bool failed = rise > allowed;
        int decimals = F.Decimals(rise, allowed, [cv, bv]);
        string moved = rise >= 0 ? $"rose {F.Fixed(rise, decimals)}" : $"fell {F.Fixed(-rise, decimals)}";
        string message = $"{name} {moved} vs baseline ({F.Fixed(bv, decimals)} -> {F.Fixed(cv, decimals)}); "
            + $"rise {F.Fixed(rise, decimals)} {(failed ? ">" : "<=")} allowed {F.Fixed(allowed, decimals)} (single values: no confidence bound)";
        return new GateVerdict(gate.Metric, GateKind.MaxDropVsBaseline, failed ? GateOutcome.Failed : GateOutcome.Passed, rise, rise, allowed,
            gate.Confidence, GateTest.SingleValueDifference, null, null, null, gate.Position, message);
    }
}
