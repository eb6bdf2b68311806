namespace WmQuant.Reports;

/// <summary>The fixed file names of a report folder; the artifact manifest and links rely on them.</summary>
public static class ReportFileNames
{
    /// <summary>Markdown report (also fit for a CI step summary).</summary>
    public const string Markdown = "report.md";

    /// <summary>Standalone HTML report.</summary>
    public const string Html = "report.html";

    /// <summary>Success rate against weight bits.</summary>
    public const string SuccessVsBits = "success_vs_bits.png";

    /// <summary>Planning loss per CEM optimisation step, FP against quantized.</summary>
    public const string LossPerCemStep = "loss_per_cem_step.png";

    /// <summary>Planning loss per MPC iteration, FP against quantized.</summary>
    public const string LossPerMpcIteration = "loss_per_mpc_iteration.png";

    /// <summary>Per-layer sensitivity bars.</summary>
    public const string LayerSensitivity = "layer_sensitivity.png";

    /// <summary>Decoder reconstructions grid.</summary>
    public const string Reconstructions = "reconstructions.png";

    /// <summary>Every image name, in the order the report shows them.</summary>
    public static IReadOnlyList<string> Images { get; } =
        [SuccessVsBits, LossPerCemStep, LossPerMpcIteration, LayerSensitivity, Reconstructions];
}
