using System.Globalization;
using WmQuant.Reports.Charts;
using WmQuant.Reports.Model;

namespace WmQuant.Reports;

/// <summary>Draws every figure a report can have, in report order; a figure whose data is empty comes back skipped with its reason.</summary>
internal static class ReportFigures
{
    /// <summary>The five figures of <paramref name="report"/>, in the order both documents show them.</summary>
    public static IReadOnlyList<ReportFigure> Render(RunReport report) =>
    [
        SuccessVsBits(report),
        Loss(
            report.LossPerCemStep,
            ReportFileNames.LossPerCemStep,
            "Planning loss per CEM step",
            "CEM optimisation step",
            "Planning loss after each CEM optimisation step (mean over episodes, first MPC iteration)"),
        Loss(
            report.LossPerMpcIteration,
            ReportFileNames.LossPerMpcIteration,
            "Planning loss per MPC iteration",
            "MPC iteration",
            report.LossPerMpcIteration.Any(s => s.Planning.Count > 0)
                ? "Planning loss at each MPC iteration (mean over the episodes still planning in it; dashed, right axis: how many)"
                : "Planning loss at each MPC iteration (mean over the episodes still planning in it)"),
        Sensitivity(report.LayerSensitivity),
        Reconstructions(report.Reconstructions),
    ];

    private static ReportFigure SuccessVsBits(RunReport report)
    {
        const string heading = "Success rate vs bits";
        var drawable = SuccessVsBitsChart.Drawable(report.SuccessVsBits);
        if (drawable.Count == 0)
        {
            return Skipped(ReportFileNames.SuccessVsBits, heading, report.SuccessVsBits.Count == 0
                ? "No success-rate points in this run; plot skipped."
                : "No success-rate point has finite bits and success; plot skipped.");
        }

        var text = Invariant($"Success rate of {Count(drawable.Count, "quantization setting")} against weight bits; error bars are the success-rate intervals");
        text += report.FpReference is { } fp ? $", the dashed line is {fp.Label} with its interval shaded." : ".";
        text += Omitted(report.SuccessVsBits.Count - drawable.Count, "point");
        var png = SuccessVsBitsChart.Render(drawable, report.FpReference);
        return new ReportFigure(ReportFileNames.SuccessVsBits, heading, text, png, ChartCanvas.Width, ChartCanvas.Height);
    }

    private static ReportFigure Loss(IReadOnlyList<LossSeries> series, string fileName, string heading, string xLabel, string caption)
    {
        if (LossCurveChart.FiniteCount(series) == 0)
        {
            return Skipped(fileName, heading, series.Count == 0
                ? $"No {Lowercase(heading)} in this run; plot skipped."
                : $"No finite {Lowercase(heading)} value in this run; plot skipped.");
        }

        var labels = string.Join(", ", series.Select(s => s.Label));
        var text = $"{caption}: {labels}." + Omitted(LossCurveChart.NonFiniteCount(series), "non-finite value");
        var png = LossCurveChart.Render(heading, xLabel, series);
        return new ReportFigure(fileName, heading, text, png, ChartCanvas.Width, ChartCanvas.Height);
    }

    private static ReportFigure Sensitivity(IReadOnlyList<LayerSensitivity> layers)
    {
        const string heading = "Per-layer sensitivity";
        var shown = LayerSensitivityChart.Shown(layers);
        if (shown.Count == 0)
        {
            return Skipped(ReportFileNames.LayerSensitivity, heading, layers.Count == 0
                ? "No per-layer sensitivity in this run; plot skipped."
                : "No layer has a finite sensitivity; plot skipped.");
        }

        var finite = layers.Count(layer => double.IsFinite(layer.LossChange));
        var text = "Change in planning loss when only that layer is quantized, most harmful first";
        text += shown.Count < finite
            ? Invariant($" (the {shown.Count} largest of {finite} layers).")
            : Invariant($" ({Count(shown.Count, "layer")}).");
        text += Omitted(layers.Count - finite, "non-finite value");
        var png = LayerSensitivityChart.Render(shown);
        return new ReportFigure(ReportFileNames.LayerSensitivity, heading, text, png, LayerSensitivityChart.Width, LayerSensitivityChart.Height(shown.Count));
    }

    private static ReportFigure Reconstructions(ReconstructionFigure? figure)
    {
        const string heading = "Decoder reconstructions";
        if (figure is null || figure.IsEmpty)
        {
            return Skipped(ReportFileNames.Reconstructions, heading, "No decoder reconstructions in this run; figure skipped.");
        }

        var rows = string.Join(", ", figure.Rows.Select(row => row.Label));
        var text = $"Decoded frames, one row each: {rows}.";
        var (width, height) = ReconstructionGridImage.Size(figure);
        return new ReportFigure(ReportFileNames.Reconstructions, heading, text, ReconstructionGridImage.Render(figure), width, height);
    }

    /// <summary>"Planning loss per CEM step" as it reads mid-sentence: only the first letter lowered, acronyms kept.</summary>
    private static string Lowercase(string heading) =>
        heading.Length == 0 ? heading : string.Concat(heading[..1].ToLowerInvariant(), heading.AsSpan(1));

    private static ReportFigure Skipped(string fileName, string heading, string reason) => new(fileName, heading, reason, null, 0, 0);

    private static string Omitted(int count, string what) =>
        count > 0 ? Invariant($" {Count(count, what)} left out of the plot.") : "";

    private static string Count(int count, string noun) =>
        Invariant($"{count} {noun}{(count == 1 ? "" : "s")}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
