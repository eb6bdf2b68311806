using System.Globalization;
using WmQuant.Reports.Model;

namespace WmQuant.Reports.Documents;

/// <summary>
/// The words and numbers both documents print, in one place so the markdown and HTML reports
/// cannot disagree. Numbers are culture-invariant (reports must not change with the machine's locale).
/// </summary>
internal static class ReportText
{
    /// <summary>Shown for a value that was not measured.</summary>
    public const string Missing = "—";

    /// <summary>Marker of a failed gate row, text rather than colour only.</summary>
    public const string FailedMark = "✗ FAILED";

    /// <summary>Marker of a passed gate row.</summary>
    public const string PassedMark = "✓ passed";

    /// <summary>An episode that reached its goal.</summary>
    public const string Reached = "✓ reached";

    /// <summary>An episode that did not reach its goal.</summary>
    public const string Missed = "✗ missed";

    /// <summary>What every evaluation in this tool is, said where no reader can miss it.</summary>
    public const string SimulatedQuantization =
        "Simulated quantization: planning ran with the quantized weights dequantized back to floating point (quantized "
        + "inputs too: quantized, then dequantized), so these numbers measure what quantization costs in planning accuracy "
        + "only. Nothing here ran faster or in less memory; only the packed file is smaller.";

    /// <summary>The metrics table's columns.</summary>
    public static readonly TableColumns MetricColumns = new(["Metric", "FP baseline", "Quantized", "Change"], [1, 2, 3]);

    /// <summary>The success-interval table's columns.</summary>
    public static readonly TableColumns IntervalColumns = new(["Model", "Successes", "Episodes", "Rate", "Interval", "Method"], [1, 2, 3, 4]);

    /// <summary>The gate table's columns (the first is the pass/fail marker).</summary>
    public static readonly TableColumns GateColumns =
        new(["Result", "Metric", "Kind", "Value", "Bound", "Threshold", "Verdict", "Recipe"], [3, 4, 5]) { MarkIndex = 0 };

    /// <summary>The per-episode table's columns.</summary>
    public static readonly TableColumns EpisodeColumns = new(
        ["Seed", "FP baseline", "Quantized", "Change", "FP final distance", "Quantized final distance", "FP MPC iterations", "Quantized MPC iterations"],
        [0, 4, 5, 6, 7]);

    /// <summary>The success-vs-bits point table's columns.</summary>
    public static readonly TableColumns PointColumns = new(["Setting", "Group", "Bits", "Success", "Interval"], [2, 3, 4]);

    /// <summary>The per-layer table's heading.</summary>
    public const string LayerHeading = "Per-layer error";

    /// <summary>Shown under the per-layer table.</summary>
    public const string LayerNote =
        "Relative output error: ‖XWᵀ − Q(X)Ŵᵀ‖² / ‖XWᵀ‖² on calibration tokens the method did not fit on (held out), in the quantized model's own basis.";

    /// <summary>Shown under the per-layer table when a sensitivity scan ran.</summary>
    public const string SensitivityNote =
        "Sensitivity: planning loss with only that layer quantized minus the FP planning loss (— where the scan did not cover the layer).";

    private static readonly string[] LayerHeadings = ["Layer", "Bits", "Group size", "Inputs", "Weight MSE", "Relative output error (held out)"];

    /// <summary>The per-layer table's columns; the sensitivity column only when a scan ran.</summary>
    public static TableColumns LayerColumns(bool withSensitivity) => withSensitivity
        ? new([.. LayerHeadings, "Sensitivity (Δ planning loss)"], [1, 4, 5, 6])
        : new(LayerHeadings, [1, 4, 5]);

    /// <summary>The cells of one per-layer row; <paramref name="sensitivity"/> adds the scan's column (null: no scan ran).</summary>
    public static string[] LayerCells(LayerRow row, IReadOnlyDictionary<string, double>? sensitivity)
    {
        ArgumentNullException.ThrowIfNull(row);
        string bits = row.IsFloat ? "float" : Integer(row.Bits);
        string group = row.IsFloat ? Missing : row.Granularity switch
        {
            "group" => Integer(row.GroupSize),
            "channel" => "per channel",
            "tensor" => "per tensor",
            _ => Missing,
        };
        string[] cells = [row.Name, bits, group, row.Activations, Number(row.WeightMse), Number(row.RelativeOutputError)];
        return sensitivity is null ? cells : [.. cells, sensitivity.TryGetValue(row.Name, out var change) ? Change(change) : Missing];
    }

    /// <summary>
    /// A number with four significant digits ("n/a" for NaN); from 10⁴ up a rounded integer instead of an exponent
    /// (34 700, not 3.47E+04), so sizes and counts read at a glance.
    /// </summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value))
        {
            return "n/a";
        }

        return double.IsFinite(value) && Math.Abs(value) >= 1e4 && Math.Abs(value) < 1e15
            ? Math.Round(value).ToString("F0", CultureInfo.InvariantCulture)
            : value.ToString("G4", CultureInfo.InvariantCulture);
    }

    /// <summary>A number, or <see cref="Missing"/>.</summary>
    public static string Number(double? value) => value is { } v ? Number(v) : Missing;

    /// <summary>A change with its sign always shown (+0.02, −0.1), or <see cref="Missing"/>.</summary>
    public static string Change(double? value) => value switch
    {
        null => Missing,
        { } v when double.IsNaN(v) => "n/a",
        { } v when v > 0 => "+" + Number(v),
        { } v => Number(v),
    };

    /// <summary>An interval as "[lower, upper]".</summary>
    public static string Interval(double lower, double upper) => $"[{Number(lower)}, {Number(upper)}]";

    /// <summary>An integer, invariant, without separators.</summary>
    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An integer with thousands separators (3,485,184).</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Bytes in megabytes (10⁶ bytes) with two decimals.</summary>
    public static string Megabytes(long bytes) => (bytes / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " MB";

    /// <summary>A gate threshold with its comparison (e.g. "≥ 0.85").</summary>
    public static string Threshold(GateRow gate) =>
        string.IsNullOrWhiteSpace(gate.Comparison) ? Number(gate.Threshold) : $"{gate.Comparison} {Number(gate.Threshold)}";

    /// <summary>The line that opens the report: whether the run passed its gates.</summary>
    public static string Headline(RunReport report)
    {
        var total = report.Gates.Count;
        if (total == 0)
        {
            return "NOT GATED: this run declared no gates.";
        }

        var failed = report.FailedGates;
        if (failed.Count == 0)
        {
            return total == 1 ? "PASSED: the gate passed." : string.Create(CultureInfo.InvariantCulture, $"PASSED: all {total} gates passed.");
        }

        var names = string.Join(", ", failed.Select(gate => $"{gate.Metric} ({gate.Kind})"));
        return string.Create(CultureInfo.InvariantCulture, $"FAILED: {failed.Count} of {total} gates failed: {names}.");
    }

    /// <summary>The run's identifying facts, in display order; empty ones left out.</summary>
    public static IReadOnlyList<Fact> Facts(RunReport report) => NonEmpty(
        new Fact("Recipe", report.RecipeName),
        new Fact("Artifact", report.ArtifactName),
        new Fact("Version", report.ArtifactVersion),
        new Fact("Quantization", report.QuantizationSummary),
        new Fact("Device", report.Device));

    /// <summary>The paired difference in one paragraph: estimate, interval, counts and the exact test.</summary>
    public static string PairedSentence(PairedSuccess paired)
    {
        ArgumentNullException.ThrowIfNull(paired);
        string text = string.Create(CultureInfo.InvariantCulture,
            $"Quantized − FP success rate: {Change(paired.Difference)}, {Percent(paired.Confidence)} {PairedSuccess.Method} ")
            + string.Create(CultureInfo.InvariantCulture,
                $"{Interval(paired.Lower, paired.Upper)}, over {Plural(paired.Pairs, "seed")} both models played: ")
            + string.Create(CultureInfo.InvariantCulture,
                $"{paired.Lost} lost, {paired.Gained} gained, {paired.BothSucceeded} reached by both, {paired.NeitherSucceeded} by neither; ")
            + $"two-sided exact McNemar p = {Number(paired.McNemarP)}.";
        if (paired.Unpaired > 0)
        {
            text += $" {Plural(paired.Unpaired, "seed")} played by one model only {(paired.Unpaired == 1 ? "is" : "are")} left out.";
        }

        return text + " The gates decide with their own tests; the interval says how large the change could plausibly be.";
    }

    /// <summary>The lost and gained seeds, each list spelled out ("none" when empty).</summary>
    public static IReadOnlyList<Fact> SeedChanges(PairedSuccess paired)
    {
        ArgumentNullException.ThrowIfNull(paired);
        return
        [
            new Fact($"Lost seeds ({paired.Lost}: FP reached the goal, quantized did not)", Seeds(paired.LostSeeds)),
            new Fact($"Gained seeds ({paired.Gained}: quantized reached the goal, FP did not)", Seeds(paired.GainedSeeds)),
        ];
    }

    /// <summary>Sizes before and after packing, in MB and bits per weight.</summary>
    public static IReadOnlyList<Fact> SizeFacts(SizeSummary sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return
        [
            new Fact("FP32 weights", $"{Megabytes(sizes.Fp32Bytes)} ({Count(sizes.Parameters)} parameters)"),
            new Fact("Packed weights", $"{Megabytes(sizes.PackedBytes)}, {Fixed(sizes.Reduction)}× smaller"),
            new Fact("Bits per quantized weight", $"{Bits(sizes.BitsPerQuantizedWeight)} (codes, scales and zero points of {Count(sizes.QuantizedWeights)} weights)"),
            new Fact("Bits per parameter, whole model", $"{Fixed(sizes.BitsPerParameter)} (float tensors included; FP32 is 32)"),
        ];
    }

    /// <summary>Tool, inputs and their hashes.</summary>
    public static IReadOnlyList<Fact> ProvenanceFacts(RunProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        return NonEmpty(
            new Fact("Tool", provenance.Tool),
            new Fact("Commit", provenance.Commit.Length > 0 ? provenance.Commit : "not recorded in this build", IsCode: provenance.Commit.Length > 0),
            new Fact("Runtime", provenance.Runtime),
            new Fact("Recipe", provenance.Recipe),
            new Fact("Recipe SHA-256", provenance.RecipeSha256, IsCode: true),
            new Fact("Model", provenance.Model),
            new Fact("Model SHA-256", provenance.ModelSha256, IsCode: true),
            new Fact("Packed artifact digest (config.json and weight files)", provenance.ArtifactDigest, IsCode: true),
            new Fact("Calibration", provenance.Calibration));
    }

    /// <summary>The evaluation settings table's columns: the setting, then one column per evaluation.</summary>
    public static TableColumns SetupColumns(IReadOnlyList<EvaluationSetup> setups) => new(["Setting", .. setups.Select(s => s.Label)], []);

    /// <summary>The evaluation settings, one row per setting, one column per evaluation.</summary>
    public static IReadOnlyList<string[]> SetupRows(IReadOnlyList<EvaluationSetup> setups)
    {
        string[] Row(string label, Func<EvaluationSetup, string> value) => [label, .. setups.Select(value)];
        return
        [
            Row("Weights SHA-256", s => s.WeightsSha256),
            Row("Planner", s => s.Planner),
            Row("Horizon", s => Integer(s.Horizon)),
            Row("MPC iterations (cap)", s => Integer(s.MpcIterations)),
            Row("Samples", s => Integer(s.Samples)),
            Row("Elites (top k)", s => Integer(s.TopK)),
            Row("Optimisation steps", s => Integer(s.OptSteps)),
            Row("Episodes", s => Integer(s.Episodes)),
            Row("Episode seeds", s => s.Seeds),
            Row("Planning-noise seed", s => Integer(s.PlanningSeed)),
            Row("Precision", s => s.Precision),
            Row("Device", s => s.Device),
        ];
    }

    /// <summary>Cells of one metrics row.</summary>
    public static string[] MetricCells(MetricRow row) =>
        [row.Name, Number(row.Baseline), Number(row.Quantized), Change(row.Change)];

    /// <summary>Cells of one success-interval row.</summary>
    public static string[] IntervalCells(SuccessInterval row) =>
    [
        row.Label,
        Integer(row.Successes),
        Integer(row.Episodes),
        Number(row.Rate),
        Interval(row.Lower, row.Upper),
        row.Method,
    ];

    /// <summary>Cells of one gate row (the first is the pass/fail marker).</summary>
    public static string[] GateCells(GateRow gate) =>
    [
        gate.Passed ? PassedMark : FailedMark,
        gate.Metric,
        gate.Kind,
        Number(gate.Value),
        Number(gate.Bound),
        Threshold(gate),
        gate.Verdict,
        gate.RecipeLocation,
    ];

    /// <summary>Cells of one episode row.</summary>
    public static string[] EpisodeCells(EpisodeRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return
        [
            Integer(row.Seed),
            Outcome(row.Baseline),
            Outcome(row.Quantized),
            ChangeWords(row.Change),
            Number(row.Baseline?.FinalDistance),
            Number(row.Quantized?.FinalDistance),
            row.Baseline is { } b ? Integer(b.Iterations) : Missing,
            row.Quantized is { } q ? Integer(q.Iterations) : Missing,
        ];
    }

    /// <summary>The HTML class of an episode row that changed (null for the others).</summary>
    public static string? EpisodeClass(EpisodeRow row) => row.Change switch
    {
        EpisodeChange.Lost => "seed-lost",
        EpisodeChange.Gained => "seed-gained",
        _ => null,
    };

    /// <summary>Cells of one success-vs-bits point.</summary>
    public static string[] PointCells(SuccessBitsPoint point) =>
        [point.Label, point.Group, Number(point.Bits), Number(point.Success), Interval(point.Lower, point.Upper)];

    /// <summary>Columns of the per-iteration table: iteration, then loss (and episodes planning, when known) per series.</summary>
    public static TableColumns IterationColumns(IReadOnlyList<LossSeries> series)
    {
        var headings = new List<string> { "MPC iteration" };
        foreach (var s in series)
        {
            headings.Add($"{s.Label} loss");
            if (s.Planning.Count > 0)
            {
                headings.Add($"{s.Label} episodes planning");
            }
        }

        return new([.. headings], [.. Enumerable.Range(0, headings.Count)]);
    }

    /// <summary>Rows of the per-iteration table, one per MPC iteration.</summary>
    public static IReadOnlyList<string[]> IterationRows(IReadOnlyList<LossSeries> series)
    {
        int length = series.Max(s => Math.Max(s.Values.Count, s.Planning.Count));
        var rows = new List<string[]>(length);
        for (int i = 0; i < length; i++)
        {
            var cells = new List<string> { Integer(i + 1) };
            foreach (var s in series)
            {
                cells.Add(i < s.Values.Count ? Number(s.Values[i]) : Missing);
                if (s.Planning.Count > 0)
                {
                    cells.Add(i < s.Planning.Count ? Integer(s.Planning[i]) : Missing);
                }
            }

            rows.Add([.. cells]);
        }

        return rows;
    }

    private static string Outcome(EpisodeResult? result) => result is null ? Missing : result.Success ? Reached : Missed;

    private static string ChangeWords(EpisodeChange change) => change switch
    {
        EpisodeChange.Lost => "lost",
        EpisodeChange.Gained => "gained",
        EpisodeChange.BothSucceeded => "both reached",
        EpisodeChange.NeitherSucceeded => "neither reached",
        _ => "one model only",
    };

    private static string Seeds(IReadOnlyList<int> seeds) =>
        seeds.Count == 0 ? "none" : string.Join(", ", seeds.Select(s => s.ToString(CultureInfo.InvariantCulture)));

    private static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");

    private static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>Up to three decimals: group overheads are multiples of 1/128 or finer (W4 g128 with FP16 scales is 4.125), which two decimals would round.</summary>
    private static string Bits(double value) => double.IsFinite(value) ? value.ToString("0.###", CultureInfo.InvariantCulture) : "n/a";

    private static string Fixed(double value) => double.IsFinite(value) ? value.ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    private static Fact[] NonEmpty(params Fact[] facts) => [.. facts.Where(fact => !string.IsNullOrWhiteSpace(fact.Value))];
}
