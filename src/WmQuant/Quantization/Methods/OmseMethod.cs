using WmQuant.Quantization.Methods.Registry;

namespace WmQuant.Quantization.Methods;

/// <summary>OMSE's options.</summary>
public sealed record OmseOptions
{
    /// <summary>Shrink factors of the range tried per scale group and per static activation range.</summary>
    [MethodOption("Shrink factors of the range tried per channel/group (and per static activation range): 1, 0.99, ... down to 0.11.", Min = 2, Max = 1000)]
    public int Candidates { get; init; } = 90;
}

/// <summary>OMSE: per scale group (and per static activation range), the shrink of the range with the least squared error.</summary>
public static class OmseMethod
{
    /// <summary>The registered definition.</summary>
    public static QuantizationMethodDefinition<OmseOptions> Definition { get; } = new(
        "omse",
        "Searches a shrink factor of each scale group's range (and of each static activation range) minimising the squared quantization error.",
        options =>
        {
            var grid = ShrinkGrid.WithCandidates(options.Candidates);
            return new ModelQuantizationMethod("omse", new OmseWeightMethod(grid), new OmseActivationRange(grid));
        });
}
