using System.Globalization;
using WmQuant.Diagnostics;
using WmQuant.Gates;
using WmQuant.Recipes;

namespace WmQuant.Cli.Ci;

/// <summary>Number and place formatting shared by the CI outputs, so the summary, the annotations and JUnit agree.</summary>
internal static class CiText
{
    /// <summary>Value, bound and threshold of a verdict with the decimals its message uses; "—" where absent.</summary>
    public static (string Value, string Bound, string Threshold) Numbers(GateVerdict verdict)
    {
        bool proportion = verdict.Metric == GateMetric.SuccessRate;
        double reference = verdict.Bound ?? verdict.Value ?? verdict.Threshold;
        int decimals = GateNumberFormat.Decimals(reference, verdict.Threshold, verdict.Value is { } v ? [v] : null, proportion);
        return (Number(verdict.Value, decimals), Number(verdict.Bound, decimals), GateNumberFormat.Fixed(verdict.Threshold, decimals));
    }

    /// <summary>A metric for the comparison table: four significant digits, invariant.</summary>
    public static string Metric(double? value) => value is { } v ? v.ToString("G4", CultureInfo.InvariantCulture) : "—";

    /// <summary>"quantize.yaml:22", the recipe line of a gate relative to <paramref name="baseDirectory"/>.</summary>
    public static string RecipeLine(SourcePosition? position, string? baseDirectory) => position is { } at
        ? $"{RelativeFile(at, baseDirectory)}:{at.Line.ToString(CultureInfo.InvariantCulture)}"
        : "command line";

    /// <summary>The recipe file relative to <paramref name="baseDirectory"/> with forward slashes, as GitHub expects.</summary>
    public static string RelativeFile(SourcePosition? position, string? baseDirectory) => position is { } at
        ? SourcePosition.DisplayPath(at.File, baseDirectory).Replace('\\', '/')
        : "";

    private static string Number(double? value, int decimals) => value is { } v ? GateNumberFormat.Fixed(v, decimals) : "—";
}
