using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Gates;
using WmQuant.Naming;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;

namespace WmQuant.Pipeline.Stages;

/// <summary>Judges a recipe's gates on the paired evaluations and turns verdicts into manifest entries and diagnostics.</summary>
public static class GateStage
{
    /// <summary>
    /// One verdict per gate, in recipe order (empty when nothing was evaluated). Regression gates compare with the FP
    /// evaluation of the same run, or with the quantized evaluation recorded in the manifest a gate names.
    /// </summary>
    public static IReadOnlyList<GateVerdict> Run(Recipe recipe, EvaluationRecord? baseline, EvaluationRecord? quantized)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        if (quantized is null)
        {
            return [];
        }

        var fp = baseline is null ? null : EvaluatedRun.From(baseline);
        return GateEvaluator.Evaluate(recipe.Gates, EvaluatedRun.From(quantized), gate => gate.BaselineManifest is { } path ? PreviousRelease(path) : fp);
    }

    /// <summary>The manifest entries: the verdicts, or every gate marked skipped when nothing was evaluated.</summary>
    public static IReadOnlyList<GateResult> Results(Recipe recipe, IReadOnlyList<GateVerdict> verdicts, string repositoryRoot)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(verdicts);
        if (verdicts.Count == 0)
        {
            return [.. recipe.Gates.Select(g => new GateResult
            {
                Metric = Names.Of(g.Metric),
                Kind = Names.Of(g.Kind),
                Threshold = g.Threshold,
                Confidence = g.Confidence,
                Verdict = "skipped",
                Message = "evaluation was skipped",
                Location = g.Position?.Format(repositoryRoot) ?? "command line",
            })];
        }

        return [.. verdicts.Select(v => v.ToResult(repositoryRoot))];
    }

    /// <summary>passed, gate_failed, or ungated (no gates, gates skipped, or nothing evaluated).</summary>
    public static RunStatus StatusOf(IReadOnlyList<GateVerdict> verdicts, bool skipGates)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        if (skipGates || verdicts.Count == 0)
        {
            return RunStatus.Ungated;
        }

        return verdicts.Any(v => v.Outcome != GateOutcome.Passed) ? RunStatus.GateFailed : RunStatus.Passed;
    }

    /// <summary>
    /// Failed and unjudged gates as diagnostics (WMQ4001, WMQ4002) at their recipe lines: errors, or warnings when
    /// gates are skipped, so an inner-loop build still shows them without failing.
    /// </summary>
    public static IReadOnlyList<Diagnostic> Diagnostics(IReadOnlyList<GateVerdict> verdicts, bool asWarnings = false)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        var diagnostics = verdicts.Select(v => v.ToDiagnostic()).OfType<Diagnostic>();
        return asWarnings ? [.. diagnostics.Select(d => d with { Severity = Severity.Warning })] : [.. diagnostics];
    }

    /// <summary>The quantized evaluation of a previous release's manifest, or null (judged as "no baseline", WMQ4002, at the gate's line).</summary>
    private static EvaluatedRun? PreviousRelease(string manifestPath) =>
        Inputs.GateInputFile.Load(manifestPath).Record is { } previous ? EvaluatedRun.From(previous) : null;
}
