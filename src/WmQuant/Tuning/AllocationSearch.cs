using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using WmQuant.Pipeline.Caching;

namespace WmQuant.Tuning;

/// <summary>Why a search stopped.</summary>
public enum SearchStop
{
    /// <summary>Every strategy ran to its end.</summary>
    Completed,

    /// <summary>The evaluation budget was used up.</summary>
    EvaluationsUsedUp,

    /// <summary>The time budget was used up.</summary>
    TimeUsedUp,
}

/// <summary>One evaluated candidate, as the search met it.</summary>
/// <param name="Number">1-based order of evaluation.</param>
/// <param name="Candidate">The allocation.</param>
/// <param name="Phase">Which step proposed it ("start", "fallback k=4", "knapsack 7/31", "refine").</param>
/// <param name="StorageBits">Storage bits of its searched layers.</param>
/// <param name="BitsPerWeight">Storage bits per searched weight.</param>
/// <param name="Outcome">How it fared.</param>
/// <param name="Cached">The outcome came from the cache (an earlier, interrupted or finished, run).</param>
/// <param name="Rejected">
/// It passed on the search seeds but failed its confirmation on the held-out seeds, so the search treats it as failing
/// (<see cref="Outcome"/>'s Passed is false; its gate lines say why).
/// </param>
public sealed record EvaluatedCandidate(
    int Number, Candidate Candidate, string Phase, long StorageBits, double BitsPerWeight, CandidateOutcome Outcome, bool Cached, bool Rejected = false)
{
    /// <summary>The gate line added to a candidate whose confirmation failed.</summary>
    public const string RejectedLine = "confirmation: failed on the held-out seeds, so the search treats this candidate as failing";

    /// <summary>How the search's progress and report word the outcome.</summary>
    public string Verdict => Outcome.Passed ? "passed" : Rejected ? "passed, rejected by its confirmation" : "failed";

    /// <summary>This candidate as a search sees it once its confirmation failed: failing, with the reason in its gate lines.</summary>
    public EvaluatedCandidate AsRejected() => this with { Rejected = true, Outcome = Outcome with { Passed = false, Gates = [.. Outcome.Gates, RejectedLine] } };
}

/// <summary>What the search reports as it goes.</summary>
/// <param name="Message">One line for people.</param>
/// <param name="Latest">The candidate just evaluated, or null for other steps.</param>
/// <param name="BestPassing">The cheapest candidate that passed so far, or null.</param>
public sealed record SearchProgress(string Message, EvaluatedCandidate? Latest, EvaluatedCandidate? BestPassing);

/// <summary>How a search ended.</summary>
/// <param name="Evaluated">Every candidate evaluated, in order.</param>
/// <param name="Stop">Why it stopped.</param>
/// <param name="Message">What happened, in one paragraph: the winner or the best so far, and the budget.</param>
/// <param name="Sensitivities">The sensitivity table of each method searched.</param>
/// <param name="Seconds">Wall time of this run of the search (cached steps cost almost nothing).</param>
public sealed record SearchResult(
    IReadOnlyList<EvaluatedCandidate> Evaluated,
    SearchStop Stop,
    string Message,
    IReadOnlyDictionary<string, SensitivityTable> Sensitivities,
    double Seconds)
{
    /// <summary>Candidates that passed every gate, cheapest first (then in evaluation order).</summary>
    public IReadOnlyList<EvaluatedCandidate> Passing => [.. Evaluated.Where(e => e.Outcome.Passed).OrderBy(e => e.StorageBits).ThenBy(e => e.Number)];

    /// <summary>The cheapest passing candidate, else the one with the most successes (cheapest among equals); null when nothing was evaluated.</summary>
    public EvaluatedCandidate? BestSoFar => (Passing is { Count: > 0 } passing ? passing[0] : null)
        ?? Evaluated.OrderByDescending(e => e.Outcome.SuccessRate).ThenBy(e => e.StorageBits).ThenBy(e => e.Number).FirstOrDefault();

    /// <summary>
    /// The Pareto front of the evaluated candidates in (bits per weight, success rate): those no other candidate beats on
    /// one without losing on the other, cheapest first.
    /// </summary>
    public IReadOnlyList<EvaluatedCandidate> ParetoFront =>
        [.. Evaluated.Where(e => !Evaluated.Any(o => Dominates(o, e))).OrderBy(e => e.StorageBits).ThenBy(e => e.Number)];

    private static bool Dominates(EvaluatedCandidate a, EvaluatedCandidate b) =>
        a.StorageBits <= b.StorageBits && a.Outcome.SuccessRate >= b.Outcome.SuccessRate
        && (a.StorageBits < b.StorageBits || a.Outcome.SuccessRate > b.Outcome.SuccessRate);
}

/// <summary>
/// Searches a <see cref="SearchSpace"/> for the cheapest candidate that passes the gates, method by method: measure (or
/// reuse) the sensitivities, build the strategy's ladder, evaluate its first rung, then rungs 1, 2, 4, ... ahead until one
/// passes, then bisect between the last failure and the first pass; the fallback strategy then lowers each raised unit
/// again, least sensitive first, as far as the gates still pass. Every outcome and sensitivity table goes into the stage
/// cache under a key of the judge's identity and the candidate, so an interrupted search rerun takes the same path and
/// re-evaluates nothing. The evaluation budget counts cached outcomes too (for the same path); the time budget only
/// stops new computations.
/// </summary>
public sealed class AllocationSearch
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly SearchSpace space;
    private readonly SearchStrategy strategy;
    private readonly SearchBudget budget;
    private readonly ICandidateJudge judge;
    private readonly ISensitivitySource sensitivitySource;
    private readonly StageCache cache;
    private readonly IProgress<SearchProgress>? progress;
    private readonly TimeProvider clock;
    private readonly IReadOnlySet<Candidate> rejected;
    private readonly TimeSpan spentBefore;
    private readonly Dictionary<Candidate, EvaluatedCandidate> evaluated = [];
    private readonly List<EvaluatedCandidate> order = [];
    private long started;
    private SearchStop? stop;

    /// <summary>Creates a search.</summary>
    /// <param name="space">The units and levels to allocate.</param>
    /// <param name="strategy">How candidates are proposed.</param>
    /// <param name="budget">Evaluations (cached ones counted) and minutes.</param>
    /// <param name="judge">Quantizes, plans and gates one candidate.</param>
    /// <param name="sensitivities">Ranks the units.</param>
    /// <param name="cache">Where outcomes and sensitivity tables are kept, so a rerun resumes.</param>
    /// <param name="progress">Told of every step.</param>
    /// <param name="clock">Time source (tests pass a fake).</param>
    /// <param name="rejected">
    /// Candidates whose confirmation on held-out seeds failed in an earlier round (see <see cref="Confirmation"/>): the search
    /// takes them as failing whatever the search seeds say, so its path moves past them to dearer candidates.
    /// </param>
    /// <param name="spentBefore">Time earlier rounds of the same tune spent, counted against the time budget.</param>
    public AllocationSearch(
        SearchSpace space,
        SearchStrategy strategy,
        SearchBudget budget,
        ICandidateJudge judge,
        ISensitivitySource sensitivities,
        StageCache cache,
        IProgress<SearchProgress>? progress = null,
        TimeProvider? clock = null,
        IReadOnlySet<Candidate>? rejected = null,
        TimeSpan spentBefore = default)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(judge);
        ArgumentNullException.ThrowIfNull(sensitivities);
        ArgumentNullException.ThrowIfNull(cache);
        this.space = space;
        this.strategy = strategy;
        this.budget = budget;
        this.judge = judge;
        sensitivitySource = sensitivities;
        this.cache = cache;
        this.progress = progress;
        this.clock = clock ?? TimeProvider.System;
        this.rejected = rejected ?? new HashSet<Candidate>();
        this.spentBefore = spentBefore;
    }

    private EvaluatedCandidate? BestPassing => order.Where(e => e.Outcome.Passed).OrderBy(e => e.StorageBits).ThenBy(e => e.Number).FirstOrDefault();

    /// <summary>Runs the search. Cancellation throws <see cref="OperationCanceledException"/>; what finished stays cached.</summary>
    public SearchResult Run(CancellationToken cancellationToken = default)
    {
        started = clock.GetTimestamp();
        var tables = new Dictionary<string, SensitivityTable>(StringComparer.Ordinal);
        foreach (string method in space.Methods)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Sensitivities(method, cancellationToken) is not { } table)
            {
                break;
            }

            tables[method] = table;

            var ladder = strategy == SearchStrategy.Knapsack
                ? CandidateLadders.Knapsack(space, method, table)
                : CandidateLadders.Fallback(space, method, table);
            Report($"{method}: {Names(strategy)} ladder of {ladder.Count} candidates from {space.BitsPerWeight(ladder[0]):F3} to " +
                $"{space.BitsPerWeight(ladder[^1]):F3} bits/weight");
            var first = Climb(ladder, method, cancellationToken);
            if (first is not null && strategy == SearchStrategy.Fallback && stop is null)
            {
                Refine(first, table, cancellationToken);
            }

            if (stop is not null)
            {
                break;
            }
        }

        var result = new SearchResult([.. order], stop ?? SearchStop.Completed, string.Empty, tables, clock.GetElapsedTime(started).TotalSeconds);
        return result with { Message = Describe(result) };
    }

    /// <summary>The first passing rung: rung 0, then 1, 2, 4, ... rungs ahead of the last failure, then bisection.</summary>
    private Candidate? Climb(IReadOnlyList<Candidate> ladder, string method, CancellationToken cancellationToken)
    {
        string Phase(int rung) => rung == 0 ? $"{method} start" : $"{method} {Names(strategy)} {rung}/{ladder.Count - 1}";
        var start = Evaluate(ladder[0], Phase(0), cancellationToken);
        if (start is null || start.Outcome.Passed)
        {
            return start?.Candidate;
        }

        int failed = 0, passed = -1;
        for (int ahead = 1; passed < 0; ahead *= 2)
        {
            if (failed == ladder.Count - 1)
            {
                return null; // even the dearest rung fails
            }

            int rung = Math.Min(failed + ahead, ladder.Count - 1);
            var outcome = Evaluate(ladder[rung], Phase(rung), cancellationToken);
            if (outcome is null)
            {
                return null;
            }

            if (outcome.Outcome.Passed)
            {
                passed = rung;
            }
            else
            {
                failed = rung;
            }
        }

        while (passed - failed > 1)
        {
            int rung = failed + ((passed - failed) / 2);
            var outcome = Evaluate(ladder[rung], Phase(rung), cancellationToken);
            if (outcome is null)
            {
                break;
            }

            if (outcome.Outcome.Passed)
            {
                passed = rung;
            }
            else
            {
                failed = rung;
            }
        }

        return ladder[passed];
    }

    /// <summary>Fallback's second pass: each raised unit, least sensitive first, lowered a level at a time while the gates pass.</summary>
    private void Refine(Candidate current, SensitivityTable table, CancellationToken cancellationToken)
    {
        var raised = CandidateLadders.BySensitivity(table, space.Units.Count).Reverse().Where(u => current.Levels[u] > 0).ToList();
        foreach (int unit in raised)
        {
            for (int level = current.Levels[unit] - 1; level >= 0; level--)
            {
                var outcome = Evaluate(current.With(unit, level), $"{current.Method} refine {space.Units[unit].Name}", cancellationToken);
                if (outcome is null)
                {
                    return;
                }

                if (!outcome.Outcome.Passed)
                {
                    break;
                }

                current = outcome.Candidate;
            }
        }
    }

    /// <summary>Evaluates (or recalls) a candidate; null when the budget stops the search.</summary>
    private EvaluatedCandidate? Evaluate(Candidate candidate, string phase, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (evaluated.TryGetValue(candidate, out var known))
        {
            return known;
        }

        if (order.Count >= budget.Evaluations)
        {
            stop = SearchStop.EvaluationsUsedUp;
            return null;
        }

        string key = StageCache.KeyOf("tune-candidate", new { judge = judge.Identity, candidate = candidate.Key });
        bool cached = cache.TryGet("tune-candidate", key) is not null;
        if (!cached && TimeUp())
        {
            return null;
        }

        var (folder, _) = cache.GetOrCreate("tune-candidate", key, f =>
            File.WriteAllText(Path.Combine(f, "outcome.json"), JsonSerializer.Serialize(judge.Judge(candidate, cancellationToken), Json)));
        var outcome = JsonSerializer.Deserialize<CandidateOutcome>(File.ReadAllText(Path.Combine(folder, "outcome.json")), Json)
            ?? throw new InvalidDataException($"empty cached outcome in {folder}");
        var entry = new EvaluatedCandidate(
            order.Count + 1, candidate, phase, space.StorageBits(candidate), space.BitsPerWeight(candidate), outcome, cached);
        if (rejected.Contains(candidate))
        {
            // The cache keeps what the search seeds said; only this search's view of the candidate changes.
            entry = entry.AsRejected();
        }

        evaluated[candidate] = entry;
        order.Add(entry);
        var best = BestPassing;
        var o = entry.Outcome;
        Report(string.Create(CultureInfo.InvariantCulture,
            $"candidate {entry.Number}/{budget.Evaluations} ({phase}): {entry.BitsPerWeight:F3} bits/weight, success {o.SuccessRate:F2} " +
            $"[{o.IntervalLower:F2}, {o.IntervalUpper:F2}] ({o.Successes}/{o.Episodes}), gates {entry.Verdict}" +
            $"{(cached ? " (cached)" : "")} | best passing so far: {(best is null ? "none" : $"#{best.Number} {best.BitsPerWeight:F3} bits/weight")}"), entry);
        return entry;
    }

    private SensitivityTable? Sensitivities(string method, CancellationToken cancellationToken)
    {
        // The fallback ranks units at the start level; the knapsack needs every level.
        int[] levels = strategy == SearchStrategy.Knapsack ? [.. Enumerable.Range(0, space.Levels.Count)] : [0];
        string key = StageCache.KeyOf("tune-sensitivity", new { source = sensitivitySource.Identity, method, levels });
        bool cached = cache.TryGet("tune-sensitivity", key) is not null;
        if (!cached && TimeUp())
        {
            return null;
        }

        if (!cached)
        {
            Report($"{method}: measuring the sensitivity of {space.Units.Count} units at {levels.Length} level(s)");
        }

        var clockStart = Stopwatch.GetTimestamp();
        var (folder, _) = cache.GetOrCreate("tune-sensitivity", key, f =>
            File.WriteAllText(Path.Combine(f, "sensitivity.json"), JsonSerializer.Serialize(sensitivitySource.Measure(method, levels, cancellationToken), Json)));
        var table = JsonSerializer.Deserialize<SensitivityTable>(File.ReadAllText(Path.Combine(folder, "sensitivity.json")), Json)
            ?? throw new InvalidDataException($"empty cached sensitivity table in {folder}");
        if (table.Values.Count != space.Units.Count || table.Values.Any(v => v.Count != space.Levels.Count))
        {
            throw new InvalidDataException($"the sensitivity table in {folder} does not match the search space");
        }

        var top = CandidateLadders.BySensitivity(table, space.Units.Count).Take(3)
            .Select(u => string.Create(CultureInfo.InvariantCulture, $"{space.Units[u].Name} {table[u, 0]:G3}"));
        Report(string.Create(CultureInfo.InvariantCulture,
            $"{method}: sensitivities {(cached ? "from the cache" : $"measured in {Stopwatch.GetElapsedTime(clockStart).TotalSeconds:F1} s")}; " +
            $"most sensitive: {string.Join(", ", top)}"));
        return table;
    }

    private bool TimeUp()
    {
        if (budget.Minutes is { } minutes && (spentBefore + clock.GetElapsedTime(started)).TotalMinutes >= minutes)
        {
            stop = SearchStop.TimeUsedUp;
            return true;
        }

        return false;
    }

    private void Report(string message, EvaluatedCandidate? latest = null) => progress?.Report(new SearchProgress(message, latest, BestPassing));

    private string Describe(SearchResult result)
    {
        var inv = CultureInfo.InvariantCulture;
        string budgetText = result.Stop switch
        {
            SearchStop.EvaluationsUsedUp => string.Create(inv,
                $"The search stopped: the budget of {budget.Evaluations} evaluation{(budget.Evaluations == 1 ? "" : "s")} is used up. "),
            SearchStop.TimeUsedUp => string.Create(inv, $"The search stopped: the time budget of {budget.Minutes:G} minutes is used up. "),
            _ => string.Create(inv, $"The search finished after {result.Evaluated.Count} evaluations. "),
        };
        string resume = result.Stop == SearchStop.Completed
            ? ""
            : " Raise the budget (search.budget, --evaluations, --minutes) and rerun the same command to continue: every evaluation so far is cached.";
        if (result.Passing is [var best, ..])
        {
            return budgetText + string.Create(inv,
                $"Cheapest candidate that passed every gate on the search seeds: #{best.Number} ({best.BitsPerWeight:F3} bits/weight, " +
                $"success {best.Outcome.SuccessRate:F2}).") + resume;
        }

        if (result.BestSoFar is { } so)
        {
            return budgetText + string.Create(inv,
                $"No candidate passed every gate. Best so far: #{so.Number} ({so.BitsPerWeight:F3} bits/weight, success {so.Outcome.SuccessRate:F2} " +
                $"[{so.Outcome.IntervalLower:F2}, {so.Outcome.IntervalUpper:F2}], {so.Outcome.Successes}/{so.Outcome.Episodes}).") + resume;
        }

        return budgetText + "No candidate was evaluated." + resume;
    }

    private static string Names(SearchStrategy value) => Naming.Names.Of(value);
}
