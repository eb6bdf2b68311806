using WmQuant.Environments.Rendering;

namespace WmQuant.Reports.Model;

/// <summary>Decoder frames to compare by eye: each row one source (real, FP-predicted, quantized-predicted), each column one time step.</summary>
/// <param name="ColumnLabels">Heading per column (e.g. "t+1"); may be shorter than the rows (missing headings are left blank).</param>
/// <param name="Rows">Rows of frames, top to bottom.</param>
public sealed record ReconstructionFigure(IReadOnlyList<string> ColumnLabels, IReadOnlyList<ReconstructionRow> Rows)
{
    /// <summary>Whether there is no frame to draw (the figure is then skipped).</summary>
    public bool IsEmpty => Rows.All(row => row.Frames.Count == 0);
}
