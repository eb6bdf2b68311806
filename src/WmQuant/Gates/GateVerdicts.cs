
namespace WmQuant.Gates;

/// <summary>Builds the verdict of a gate that could not be judged, the one shape every judge shares.</summary>
internal static class GateVerdicts
{
    public static GateVerdict NotJudged(GateSpec gate, GateKind kind, double threshold, string message) =>
        new(gate.Metric, kind, GateOutcome.Error, null, null, threshold, gate.Confidence, GateTest.None, null, null, null, gate.Position, message);
}
