namespace WmQuant.Reports.Model;

/// <summary>One headline metric of the FP baseline and the quantized model, side by side so the cost of quantizing is one glance.</summary>
/// <param name="Name">Metric name as users refer to it in gates (e.g. "success_rate").</param>
/// <param name="Baseline">Value of the FP model; null when the baseline was not evaluated.</param>
/// <param name="Quantized">Value of the quantized model; null when not evaluated.</param>
public sealed record MetricRow(string Name, double? Baseline, double? Quantized)
{
    /// <summary>Quantized minus baseline, or null when either is missing.</summary>
    public double? Change => Baseline is { } baseline && Quantized is { } quantized ? quantized - baseline : null;
}
