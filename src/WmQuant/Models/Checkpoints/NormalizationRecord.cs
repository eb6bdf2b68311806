namespace WmQuant.Models.Checkpoints;

/// <summary>
/// normalization.json beside a model: the statistics of the training data that planners apply to actions and proprio
/// before the model sees them (written by <c>wmq train</c>, copied from the dataset card).
/// </summary>
/// <param name="ActionMean">Per-dimension action mean.</param>
/// <param name="ActionStd">Per-dimension action standard deviation.</param>
/// <param name="ProprioMean">Per-dimension proprio mean.</param>
/// <param name="ProprioStd">Per-dimension proprio standard deviation.</param>
public sealed record NormalizationRecord(double[] ActionMean, double[] ActionStd, double[] ProprioMean, double[] ProprioStd)
{
    /// <summary>The file name beside the weights.</summary>
    public const string FileName = "normalization.json";
}
