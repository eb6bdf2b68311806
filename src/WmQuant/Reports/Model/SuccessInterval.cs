namespace WmQuant.Reports.Model;

/// <summary>A success rate with the confidence interval it is judged by: a rate over few episodes means little without one.</summary>
/// <param name="Label">Which model (e.g. "FP baseline", "W4 g128").</param>
/// <param name="Successes">Episodes that reached the goal.</param>
/// <param name="Episodes">Episodes run.</param>
/// <param name="Lower">Lower end of the interval.</param>
/// <param name="Upper">Upper end of the interval.</param>
/// <param name="Method">How the interval was computed (e.g. "Wilson 95%").</param>
public sealed record SuccessInterval(string Label, int Successes, int Episodes, double Lower, double Upper, string Method)
{
    /// <summary>Successes over episodes; NaN when no episode was run.</summary>
    public double Rate => Episodes > 0 ? (double)Successes / Episodes : double.NaN;
}
