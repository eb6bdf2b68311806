namespace WmQuant.Planning.Statistics;

/// <summary>A confidence interval for a proportion, both ends in [0, 1].</summary>
/// <param name="Lower">Lower end.</param>
/// <param name="Upper">Upper end.</param>
public readonly record struct ProportionInterval(double Lower, double Upper);
