using System.Globalization;
using System.Text;
using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Naming;
using WmQuant.Recipes;

namespace WmQuant.Tuning;

/// <summary>One confirmation run: a passing candidate planned on fresh seeds with its FP model, its gates judged again.</summary>
/// <param name="Candidate">The candidate's number in the search.</param>
/// <param name="Status">passed or gate_failed (the artifact's status).</param>
/// <param name="FpSuccesses">FP successes on the confirmation seeds.</param>
/// <param name="FpInterval">95% Wilson interval of the FP success rate.</param>
/// <param name="Successes">The candidate's successes on them.</param>
/// <param name="Interval">95% Wilson interval of its success rate.</param>
/// <param name="Episodes">Episodes.</param>
/// <param name="Gates">One line per gate.</param>
/// <param name="ArtifactDirectory">The artifact folder written for it.</param>
public sealed record ConfirmationResult(
    int Candidate, RunStatus Status, int FpSuccesses, double[] FpInterval, int Successes, double[] Interval, int Episodes, IReadOnlyList<string> Gates,
    string ArtifactDirectory);

/// <summary>
/// The search report: what was searched and how, every candidate with its success interval, the Pareto front of bits per
/// weight against success, the confirmation that decided, and the winner's per-layer allocation; markdown for people and
/// JSON for tools, written beside the artifact folder (the artifact itself stays exactly what <c>wmq run</c> writes).
/// </summary>
public static class SearchReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>File name suffixes beside the artifact folder: &lt;artifact&gt;.search.md and .search.json.</summary>
    public const string MarkdownSuffix = ".search.md";

    /// <summary>JSON form of the report.</summary>
    public const string JsonSuffix = ".search.json";

    /// <summary>Markdown report.</summary>
    public static string Markdown(Recipe recipe, SearchSpace space, SearchResult result, IReadOnlyList<ConfirmationResult> confirmations, string? winnerNote)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(confirmations);
        var search = recipe.Search!;
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append(inv, $"# wmq tune: {recipe.Name}\n\n");
        s.Append(result.Message).Append("\n\n");
        if (winnerNote is not null)
        {
            s.Append(winnerNote).Append("\n\n");
        }

        s.Append("| setting | value |\n|---|---|\n");
        s.Append(inv, $"| objective | {Names.Of(search.Objective)} (smallest among candidates that pass every gate) |\n");
        s.Append(inv, $"| strategy | {Names.Of(search.Strategy)} |\n");
        s.Append(inv, $"| unit | {Names.Of(search.Unit)} ({space.Units.Count} units, {space.Units.Sum(u => u.Layers.Count)} layers, {space.Weights:N0} weights) |\n");
        s.Append(inv, $"| levels (uniform bits/weight) | {string.Join(", ", space.Levels.Select((_, l) => $"{space.LevelName(l)} ({Uniform(space, l):F3})"))} |\n");
        s.Append(inv, $"| reference | uniform W4 at the recipe's granularity: {UniformW4(recipe, space):F3} bits/weight |\n");
        s.Append(inv, $"| methods | {string.Join(", ", space.Methods)} |\n");
        s.Append(inv, $"| search seeds | {recipe.Evaluation.Episodes} episodes, seeds 99·n+{recipe.Evaluation.SeedOffset}, planner {Describe(recipe.Evaluation.Planner)} |\n");
        s.Append(inv, $"| confirmation seeds | {search.Confirmation.Episodes} episodes, seeds 99·n+{search.Confirmation.SeedOffset}, up to {search.Confirmation.Attempts} attempt(s) |\n");
        s.Append(inv, $"| gates | {string.Join("; ", recipe.Gates.Select(g => $"{Names.Of(g.Metric)} {Names.Of(g.Kind)} {g.Threshold:G} (confidence {g.Confidence:G})"))} |\n");
        s.Append(inv, $"| budget | {search.Budget.Evaluations} evaluations{(search.Budget.Minutes is { } m ? $", {m:G} minutes" : "")}; used " +
            $"{result.Evaluated.Count} ({result.Evaluated.Count(e => e.Cached)} from the cache), {result.Seconds:F0} s in this run |\n\n");

        s.Append("## Statistics\n\n");
        s.Append("Every candidate is judged with the recipe's paired gates on the same search seeds as its FP model. Testing many ")
            .Append("candidates on the same seeds makes a pass there weak evidence (the more candidates, the more likely one passes by ")
            .Append("luck), so the search seeds only choose: the winner is then planned once more, with its FP model, on fresh seeds ")
            .Append("(the confirmation seeds, used by nothing else), and that single test decides the artifact's status.\n\n");
        if (confirmations.Count == 0)
        {
            s.Append("No confirmation ran (no candidate passed on the search seeds).\n\n");
        }

        foreach (var c in confirmations)
        {
            s.Append(inv, $"Confirmation of #{c.Candidate}: **{Naming.Names.Of(c.Status)}** — FP {c.FpSuccesses}/{c.Episodes} " +
                $"[{c.FpInterval[0]:F2}, {c.FpInterval[1]:F2}], candidate {c.Successes}/{c.Episodes} [{c.Interval[0]:F2}, {c.Interval[1]:F2}].\n");
            foreach (string gate in c.Gates)
            {
                s.Append("- ").Append(gate).Append('\n');
            }

            s.Append('\n');
        }

        s.Append("## Pareto front: bits per weight against success on the search seeds\n\n");
        Table(s, space, result.ParetoFront);
        s.Append("## Every candidate, in the order evaluated\n\n");
        Table(s, space, result.Evaluated);

        if (result.BestSoFar is { } best)
        {
            s.Append(inv, $"## Per-layer allocation of #{best.Number} ({(best.Outcome.Passed ? "cheapest passing" : "best so far, not passing")})\n\n");
            var table = result.Sensitivities.GetValueOrDefault(best.Candidate.Method);
            s.Append("| layer | unit | [N, K] | setting | bits/weight | sensitivity at the start level |\n|---|---|---|---|---|---|\n");
            for (int u = 0; u < space.Units.Count; u++)
            {
                var level = space.Levels[best.Candidate.Levels[u]];
                foreach (var layer in space.Units[u].Layers)
                {
                    double bits = (double)SearchSpace.StorageBits(layer.Rows, layer.Columns, level) / (layer.Rows * layer.Columns);
                    s.Append(inv, $"| {layer.Name} | {space.Units[u].Name} | [{layer.Rows}, {layer.Columns}] | {space.LevelName(best.Candidate.Levels[u])} | " +
                        $"{bits:F3} | {(table is null ? "–" : table[u, 0].ToString("G4", inv))} |\n");
                }
            }

            s.Append('\n');
        }

        foreach (var (method, table) in result.Sensitivities)
        {
            s.Append(inv, $"## Sensitivities ({method}; planning-objective change with the unit alone quantized, {search.SensitivityEpisodes} calibration episodes)\n\n");
            s.Append("| unit | ").Append(string.Join(" | ", space.Levels.Select((_, l) => space.LevelName(l)))).Append(" |\n|---|")
                .Append(string.Concat(space.Levels.Select(_ => "---|"))).Append('\n');
            foreach (int u in CandidateLadders.BySensitivity(table, space.Units.Count))
            {
                s.Append(inv, $"| {space.Units[u].Name} | {string.Join(" | ", space.Levels.Select((_, l) => double.IsNaN(table[u, l]) ? "–" : table[u, l].ToString("G4", inv)))} |\n");
            }

            s.Append('\n');
        }

        return s.ToString();
    }

    /// <summary>The report's data for tools.</summary>
    public static string ToJson(Recipe recipe, SearchSpace space, SearchResult result, IReadOnlyList<ConfirmationResult> confirmations, string? artifactDirectory)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(result);
        var pareto = result.ParetoFront.Select(e => e.Number).ToHashSet();
        var document = new
        {
            recipe = recipe.Name,
            objective = Names.Of(recipe.Search!.Objective),
            strategy = Names.Of(recipe.Search.Strategy),
            unit = Names.Of(recipe.Search.Unit),
            levels = space.Levels.Select((_, l) => new { name = space.LevelName(l), uniform_bits_per_weight = Math.Round(Uniform(space, l), 4) }),
            uniform_w4_bits_per_weight = Math.Round(UniformW4(recipe, space), 4),
            units = space.Units.Select(u => new { name = u.Name, layers = u.Layers.Select(l => l.Name), weights = u.Weights }),
            stop = result.Stop switch { SearchStop.EvaluationsUsedUp => "evaluations_used_up", SearchStop.TimeUsedUp => "time_used_up", _ => "completed" },
            message = result.Message,
            seconds = Math.Round(result.Seconds, 1),
            evaluated = result.Evaluated.Select(e => new
            {
                number = e.Number,
                phase = e.Phase,
                method = e.Candidate.Method,
                allocation = e.Candidate.Levels.Select((l, u) => new { unit = space.Units[u].Name, level = space.LevelName(l) }),
                bits_per_weight = Math.Round(e.BitsPerWeight, 4),
                storage_bytes = (e.StorageBits + 7) / 8,
                passed = e.Outcome.Passed,
                rejected_by_confirmation = e.Rejected,
                successes = e.Outcome.Successes,
                episodes = e.Outcome.Episodes,
                success_interval95 = new[] { e.Outcome.IntervalLower, e.Outcome.IntervalUpper },
                mean_state_distance = e.Outcome.MeanStateDistance,
                gates = e.Outcome.Gates,
                cached = e.Cached,
                pareto = pareto.Contains(e.Number),
            }),
            winner = result.Passing is [var first, ..] ? first.Number : (int?)null,
            best_so_far = result.BestSoFar?.Number,
            confirmations,
            artifact = artifactDirectory,
        };
        return JsonSerializer.Serialize(document, Json) + "\n";
    }

    private static void Table(StringBuilder s, SearchSpace space, IReadOnlyList<EvaluatedCandidate> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        s.Append("| # | proposed by | bits/weight | success | 95% interval | gates | allocation (units above the start level) |\n|---|---|---|---|---|---|---|\n");
        foreach (var e in rows)
        {
            var o = e.Outcome;
            s.Append(inv, $"| {e.Number} | {e.Phase}{(e.Cached ? " (cached)" : "")} | {e.BitsPerWeight:F3} | {o.Successes}/{o.Episodes} = {o.SuccessRate:F2} | " +
                $"[{o.IntervalLower:F2}, {o.IntervalUpper:F2}] | {e.Verdict} | {Allocation(space, e.Candidate)} |\n");
        }

        s.Append('\n');
    }

    /// <summary>"all W3 g128" or "W3 g128 except: predictor.x W8 g128, ...".</summary>
    public static string Allocation(SearchSpace space, Candidate candidate)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(candidate);
        var raised = candidate.Levels.Select((l, u) => (Level: l, Unit: u)).Where(x => x.Level != 0).ToList();
        string start = $"{candidate.Method} {space.LevelName(0)}";
        if (raised.Count == 0)
        {
            return $"all {start}";
        }

        if (raised.Count == space.Units.Count && raised.All(r => r.Level == raised[0].Level))
        {
            return $"all {candidate.Method} {space.LevelName(raised[0].Level)}";
        }

        return $"{start} except " + string.Join("; ", raised.GroupBy(r => r.Level).OrderByDescending(g => g.Key)
            .Select(g => $"{space.LevelName(g.Key)}: {string.Join(", ", g.Select(r => space.Units[r.Unit].Name))}"));
    }

    private static double Uniform(SearchSpace space, int level) => space.BitsPerWeight(space.Uniform(space.Methods[0], level));

    /// <summary>Uniform 4-bit weights at the recipe's granularity over the searched layers: the usual point of comparison.</summary>
    private static double UniformW4(Recipe recipe, SearchSpace space)
    {
        var w4 = recipe.Quantization.Weights with { Bits = 4 };
        long bits = space.Units.SelectMany(u => u.Layers).Sum(l => SearchSpace.StorageBits(l.Rows, l.Columns, w4));
        return (double)bits / space.Weights;
    }

    private static string Describe(PlannerSpec p) => string.Create(CultureInfo.InvariantCulture,
        $"{Names.Of(p.Kind)} ({p.Profile}: {p.Samples} samples, top {p.TopK}, {p.OptSteps} steps, ≤ {p.MaxIterations} iterations)");

}
