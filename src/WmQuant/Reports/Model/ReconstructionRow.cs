using WmQuant.Environments.Rendering;

namespace WmQuant.Reports.Model;

/// <summary>One labelled row of frames in a <see cref="ReconstructionFigure"/>.</summary>
/// <param name="Label">Row heading drawn left of the frames (e.g. "real", "FP", "W4 g128").</param>
/// <param name="Frames">RGB frames (HWC bytes), left to right; sizes may differ (each is scaled into its cell).</param>
public sealed record ReconstructionRow(string Label, IReadOnlyList<RgbFrame> Frames);
