
namespace WmQuant.Gates;

/// <summary>
/// Judges a recipe's gates on measured runs. Independent of how metrics were produced, so a fresh evaluation, a
/// cached one and a previous artifact's manifest are judged alike. Deterministic: same inputs, same verdicts.
/// </summary>
public static class GateEvaluator
{
    /// <summary>One verdict per gate, in recipe order; <paramref name="baseline"/> serves every regression gate.</summary>
    public static IReadOnlyList<GateVerdict> Evaluate(IReadOnlyList<GateSpec> gates, EvaluatedRun candidate, EvaluatedRun? baseline = null) =>
        Evaluate(gates, candidate, _ => baseline);

    /// <summary>One verdict per gate, in recipe order, each regression gate with its own baseline (the FP run, or the episodes of the manifest it names).</summary>
    public static IReadOnlyList<GateVerdict> Evaluate(IReadOnlyList<GateSpec> gates, EvaluatedRun candidate, Func<GateSpec, EvaluatedRun?> baselineFor)
    {
        ArgumentNullException.ThrowIfNull(gates);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(baselineFor);
        return gates.Select(g => Evaluate(g, candidate, g.MaxDropVsBaseline is null ? null : baselineFor(g))).ToList();
    }

    /// <summary>The verdict of one gate. Throws only for a gate a validated recipe cannot contain (not exactly one threshold, confidence outside (0, 1), negative allowed drop).</summary>
    public static GateVerdict Evaluate(GateSpec gate, EvaluatedRun candidate, EvaluatedRun? baseline)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(candidate);
        if (!(gate.Confidence > 0 && gate.Confidence < 1))
        {
            throw new ArgumentException($"Gate confidence must lie in (0, 1), got {gate.Confidence}.", nameof(gate));
        }

        return (gate.Min, gate.Max, gate.MaxDropVsBaseline) switch
        {
            ({ } min, null, null) => AbsoluteGate.Judge(gate, GateKind.Min, min, candidate),
            (null, { } max, null) => AbsoluteGate.Judge(gate, GateKind.Max, max, candidate),
            (null, null, { } drop) when drop >= 0 => RegressionGate.Judge(gate, drop, candidate, baseline),
            _ => throw new ArgumentException("A gate needs exactly one of min, max, max_drop_vs_baseline (a non-negative drop); validate the recipe first.", nameof(gate)),
        };
    }
}
