namespace WmQuant.Reports.Model;

/// <summary>A planning-loss curve of one model (values at step or iteration 1, 2, …), compared FP against quantized.</summary>
/// <param name="Label">Model name in the legend (e.g. "FP", "W4 g128").</param>
/// <param name="Values">Loss at step 1, 2, …; non-finite values are left out of the plot and counted in the text.</param>
public sealed record LossSeries(string Label, IReadOnlyList<double> Values)
{
    /// <summary>
    /// Per MPC iteration, the episodes still planning in it (not yet at the goal); empty when not known. A mean loss
    /// over 50 episodes and one over the 3 still struggling are different numbers, so the report shows both.
    /// </summary>
    public IReadOnlyList<int> Planning { get; init; } = [];
}
