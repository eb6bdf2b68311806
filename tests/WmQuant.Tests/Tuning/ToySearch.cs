using WmQuant.Gates;
using WmQuant.Quantization.Primitives;
using WmQuant.Tuning;

namespace WmQuant.Tests.Tuning;

/// <summary>
/// A toy allocation problem whose answer is known: six equal layers, levels W3/W4/W8 in groups of 128, and a planner
/// stand-in that loses episodes unless every layer gets at least the bits the problem says it needs (by default one
/// layer, "L3", must stay at 8 bits). Candidates are judged by the real paired gates (<see cref="GateEvaluator"/>) on
/// synthetic, seed-paired episodes.
/// </summary>
internal static class ToySearch
{
    public const int Episodes = 40;

    public static readonly WeightQuantConfig W3 = new(3, WeightGranularity.PerGroup, 128);
    public static readonly WeightQuantConfig W4 = new(4, WeightGranularity.PerGroup, 128);
    public static readonly WeightQuantConfig W8 = new(8, WeightGranularity.PerGroup, 128);

    /// <summary>The paired gate the toy is judged by: at most a 5-point drop, 95% confidence.</summary>
    public static readonly GateSpec MaxDrop = new(GateMetric.SuccessRate, null, null, 0.05, 0.95, null, null);

    public static SearchSpace Space(int layers = 6) => new(
        [.. Enumerable.Range(0, layers).Select(i => new SearchUnit($"L{i}", [new SearchLayer($"L{i}", 64, 256, null)]))],
        [W8, W3, W4], // deliberately unordered: the space orders levels by cost
        ["rtn"]);

    /// <summary>Bits each layer needs to keep planning intact (default: L3 needs 8, the rest 3).</summary>
    public static int[] Needs(int layers = 6, int needy = 3)
    {
        var needs = Enumerable.Repeat(3, layers).ToArray();
        needs[needy] = 8;
        return needs;
    }

    /// <summary>
    /// Sensitivities that tell the truth: 1 where a level has fewer bits than the unit needs, else a small value that falls
    /// with the bits (units ranked by index among equals, so ties are not what decides).
    /// </summary>
    public static SensitivityTable Faithful(SearchSpace space, int[] needs) => Table([.. Enumerable.Range(0, space.Units.Count)
        .Select(u => space.Levels.Select(l => l.Bits < needs[u] ? 1.0 : 0.01 * (1 + u) / l.Bits).ToArray())]);

    /// <summary>Sensitivities at the start level that rank the given units first, in order (the rest after them); 0 at other levels.</summary>
    public static SensitivityTable Ranked(SearchSpace space, params int[] ranking) => Table([.. Enumerable.Range(0, space.Units.Count)
        .Select(u => space.Levels.Select((_, l) => l > 0 ? 0 : Array.IndexOf(ranking, u) is int at and >= 0 ? 1.0 / (1 + at) : 0.001).ToArray())]);

    public static SensitivityTable Table(double[][] values) => new([.. values.Select(v => (IReadOnlyList<double>)v)], 0);
}

/// <summary>
/// The toy planner stand-in: the FP model solves every episode; a candidate loses 12 of 40 episodes for each layer below
/// the bits it needs (capped at all of them), so a candidate that meets every need is indistinguishable from FP.
/// </summary>
internal sealed class ToyJudge(SearchSpace space, int[] needs, string identity = "toy") : ICandidateJudge
{
    public int Calls { get; private set; }

    /// <summary>Throws <see cref="OperationCanceledException"/> on this call (1-based), as Ctrl+C would mid-evaluation.</summary>
    public int? InterruptAt { get; init; }

    /// <summary>Runs before every call (a fake clock advances here).</summary>
    public Action? OnCall { get; init; }

    public string Identity => identity;

    public CandidateOutcome Judge(Candidate candidate, CancellationToken cancellationToken)
    {
        Calls++;
        OnCall?.Invoke();
        if (Calls == InterruptAt)
        {
            throw new OperationCanceledException("interrupted");
        }

        int short_ = Enumerable.Range(0, space.Units.Count).Count(u => space.Levels[candidate.Levels[u]].Bits < needs[u]);
        int lost = Math.Min(ToySearch.Episodes, 12 * short_);
        var fp = new EvaluatedRun([.. Enumerable.Range(0, ToySearch.Episodes).Select(i => new GateEpisode((99 * i) + 1, true, 1.0))]);
        var run = new EvaluatedRun([.. Enumerable.Range(0, ToySearch.Episodes).Select(i => new GateEpisode((99 * i) + 1, i >= lost, i >= lost ? 1.0 : 5.0))]);
        var verdicts = GateEvaluator.Evaluate([ToySearch.MaxDrop], run, fp);
        int successes = ToySearch.Episodes - lost;
        var interval = global::WmQuant.Planning.Statistics.WilsonInterval.Compute(successes, ToySearch.Episodes);
        return new CandidateOutcome(verdicts.All(v => v.Outcome == GateOutcome.Passed), successes, ToySearch.Episodes, interval.Lower, interval.Upper, null,
            [.. verdicts.Select(v => $"{v.Title}: {v.Message}")], 0);
    }
}

/// <summary>Returns a fixed table and counts how often it was asked.</summary>
internal sealed class ToySensitivities(SensitivityTable table, string identity = "toy-sensitivity") : ISensitivitySource
{
    public int Calls { get; private set; }

    public string Identity => identity;

    public SensitivityTable Measure(string method, IReadOnlyList<int> levels, CancellationToken cancellationToken)
    {
        Calls++;
        return table;
    }
}

/// <summary>A clock tests move by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => ticks;

    public void Advance(TimeSpan by) => ticks += by.Ticks;
}
