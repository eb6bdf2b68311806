using WmQuant.Reports.Model;

namespace WmQuant.Reports.Documents;

/// <summary>
/// The order and content of every report section, laid out once as blocks for both documents: the verdict and the
/// simulated-quantization statement first, then what a reviewer asks in turn (how much success moved and on which
/// seeds, which gates held, how small the model got, which layers hurt), the figures, and the evidence behind them.
/// </summary>
internal static class ReportLayout
{
    /// <summary>The blocks of <paramref name="report"/> with <paramref name="figures"/> (as rendered for it), title excluded.</summary>
    public static IReadOnlyList<ReportBlock> Build(RunReport report, IReadOnlyList<ReportFigure> figures)
    {
        var blocks = new List<ReportBlock>
        {
            new VerdictBlock(ReportText.Headline(report), report.Gates.Count == 0 ? "ungated" : report.Failed ? "failed" : "passed"),
            new TextBlock(ReportText.SimulatedQuantization, TextStyle.Note, "simulated"),
        };
        var facts = ReportText.Facts(report);
        if (facts.Count > 0)
        {
            blocks.Add(new FactsBlock(facts, "facts"));
        }

        Table(blocks, "Metrics", "metrics", ReportText.MetricColumns, report.Metrics.Select(r => new TableRow(ReportText.MetricCells(r))), "No metrics in this run.");
        Table(blocks, "Success rates", "success-rates", ReportText.IntervalColumns,
            report.SuccessIntervals.Select(r => new TableRow(ReportText.IntervalCells(r))), "No success rates in this run.");
        Paired(blocks, report.Paired);
        Table(blocks, "Gates", "gates", ReportText.GateColumns,
            report.Gates.Select(g => new TableRow(ReportText.GateCells(g), g.Passed ? "gate-passed" : "gate-failed")), "No gates were declared.");
        Sizes(blocks, report.Sizes);
        Layers(blocks, report);
        foreach (var figure in figures)
        {
            blocks.Add(new HeadingBlock(figure.Heading));
            blocks.Add(new FigureBlock(figure));
            if (figure.FileName == ReportFileNames.SuccessVsBits && report.SuccessVsBits.Count > 0)
            {
                blocks.Add(new TableBlock("success-points", ReportText.PointColumns, [.. report.SuccessVsBits.Select(p => new TableRow(ReportText.PointCells(p)))]));
            }

            if (figure.FileName == ReportFileNames.LossPerMpcIteration && report.LossPerMpcIteration.Count > 0)
            {
                var series = report.LossPerMpcIteration;
                blocks.Add(new TableBlock("mpc-iterations", ReportText.IterationColumns(series), [.. ReportText.IterationRows(series).Select(r => new TableRow(r))]));
            }
        }

        Table(blocks, "Episodes", "episodes", ReportText.EpisodeColumns,
            report.Episodes.Select(e => new TableRow(ReportText.EpisodeCells(e), ReportText.EpisodeClass(e))), "No episodes were evaluated in this run.");
        Provenance(blocks, report.Provenance);
        return blocks;
    }

    private static void Paired(List<ReportBlock> blocks, PairedSuccess? paired)
    {
        blocks.Add(new HeadingBlock("Quantized vs FP, seed by seed"));
        if (paired is null)
        {
            blocks.Add(new TextBlock("No seed was evaluated with both models; nothing to pair.", TextStyle.Skipped));
            return;
        }

        blocks.Add(new TextBlock(ReportText.PairedSentence(paired), Id: "paired-difference"));
        blocks.Add(new FactsBlock(ReportText.SeedChanges(paired), "lost-gained"));
    }

    private static void Sizes(List<ReportBlock> blocks, SizeSummary? sizes)
    {
        blocks.Add(new HeadingBlock("Size"));
        if (sizes is null)
        {
            blocks.Add(new TextBlock("No sizes in this run.", TextStyle.Skipped));
            return;
        }

        blocks.Add(new FactsBlock(ReportText.SizeFacts(sizes), "sizes"));
        blocks.Add(new TextBlock("1 MB = 10⁶ bytes. Sizes are of the tensors; files add a small header."));
    }

    private static void Layers(List<ReportBlock> blocks, RunReport report)
    {
        var scanned = report.LayerSensitivity.Count > 0;
        Dictionary<string, double>? sensitivity = null;
        if (scanned)
        {
            sensitivity = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var layer in report.LayerSensitivity)
            {
                sensitivity.TryAdd(layer.Layer, layer.LossChange);
            }
        }

        Table(blocks, ReportText.LayerHeading, "layers", ReportText.LayerColumns(scanned),
            report.Layers.Select(l => new TableRow(ReportText.LayerCells(l, sensitivity))), "No layer was quantized.");
        if (report.Layers.Count > 0)
        {
            blocks.Add(new TextBlock(ReportText.LayerNote));
            if (scanned)
            {
                blocks.Add(new TextBlock(ReportText.SensitivityNote));
            }
        }
    }

    private static void Provenance(List<ReportBlock> blocks, RunProvenance? provenance)
    {
        blocks.Add(new HeadingBlock("Provenance"));
        if (provenance is null)
        {
            blocks.Add(new TextBlock("No provenance in this run.", TextStyle.Skipped));
            return;
        }

        blocks.Add(new FactsBlock(ReportText.ProvenanceFacts(provenance), "provenance"));
        if (provenance.Evaluations.Count > 0)
        {
            var setups = provenance.Evaluations;
            blocks.Add(new TableBlock("evaluation-settings", ReportText.SetupColumns(setups), [.. ReportText.SetupRows(setups).Select(r => new TableRow(r))]));
        }
    }

    private static void Table(List<ReportBlock> blocks, string heading, string id, TableColumns columns, IEnumerable<TableRow> rows, string whenEmpty)
    {
        blocks.Add(new HeadingBlock(heading));
        var materialized = rows.ToArray();
        blocks.Add(materialized.Length == 0 ? new TextBlock(whenEmpty, TextStyle.Skipped) : new TableBlock(id, columns, materialized));
    }
}
