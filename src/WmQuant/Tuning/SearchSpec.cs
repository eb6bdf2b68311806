using System.Text.Json.Serialization;
using WmQuant.Diagnostics;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Tuning;

/// <summary>What <c>wmq tune</c> minimises among the allocations that pass the recipe's gates.</summary>
public enum SearchObjective
{
    /// <summary>Storage bits (codes with word padding, scales, zero points) per weight of the searched layers.</summary>
    [JsonStringEnumMemberName("bits_per_weight")]
    BitsPerWeight,

    /// <summary>Storage bytes of the searched layers' weights (the same order as bits per weight for one model; reported in bytes).</summary>
    [JsonStringEnumMemberName("bytes")]
    Bytes,
}

/// <summary>How the candidates are proposed.</summary>
public enum SearchStrategy
{
    /// <summary>
    /// Intel Neural Compressor's fallback: every unit at the cheapest level, then the most sensitive units raised to the safest
    /// level until the gates pass (doubling, then bisection), then each raised unit lowered again where the gates still pass.
    /// </summary>
    [JsonStringEnumMemberName("fallback")]
    Fallback,

    /// <summary>
    /// A multiple-choice knapsack over measured sensitivities: the allocations of least summed sensitivity for every cost form
    /// a frontier, searched from the cheapest end for the first that passes.
    /// </summary>
    [JsonStringEnumMemberName("knapsack")]
    Knapsack,
}

/// <summary>What one entry of an allocation covers.</summary>
public enum AllocationUnit
{
    /// <summary>One Linear.</summary>
    [JsonStringEnumMemberName("layer")]
    Layer,

    /// <summary>One transformer block (encoder.blocks.i, predictor.transformer.layers.i); other layers alone.</summary>
    [JsonStringEnumMemberName("block")]
    Block,

    /// <summary>One module group (encoder, predictor).</summary>
    [JsonStringEnumMemberName("group")]
    Group,
}

/// <summary>A method the search may use, with its options from the recipe's <c>quantization.method_options</c>.</summary>
/// <param name="Definition">The registered method.</param>
/// <param name="Options">Its options record.</param>
public sealed record SearchMethod(IQuantizationMethodDefinition Definition, object Options)
{
    /// <summary>The method's recipe name.</summary>
    public string Name => Definition.Name;
}

/// <summary>How much the search may spend.</summary>
/// <param name="Evaluations">Candidate evaluations on the search seeds, cached ones included (so a resumed search takes the same path).</param>
/// <param name="Minutes">Wall-clock minutes this process may spend searching before it starts no new evaluation; null: no limit.</param>
public sealed record SearchBudget(int Evaluations, double? Minutes);

/// <summary>The held-out run that decides: the winner (and its FP model) planned on fresh seeds.</summary>
/// <param name="Episodes">Episodes.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + offset; differs from the evaluation's and the calibration's.</param>
/// <param name="Attempts">Confirmations at most; a candidate that fails one is rejected and the search goes on past it.</param>
public sealed record ConfirmationSpec(int Episodes, int SeedOffset, int Attempts);

/// <summary>
/// A recipe's <c>search:</c> section, every default filled in: what <c>wmq tune</c> minimises, over which candidates
/// (bit widths × granularities × group sizes per unit, and methods), within which budget, and how the winner is confirmed.
/// </summary>
/// <param name="Objective">What is minimised.</param>
/// <param name="Strategy">How candidates are proposed.</param>
/// <param name="Unit">What one allocation entry covers.</param>
/// <param name="Bits">Weight bit widths a unit may take (16: float).</param>
/// <param name="Granularities">Weight granularities a unit may take.</param>
/// <param name="GroupSizes">Group sizes for the group granularity.</param>
/// <param name="Methods">Methods searched in turn (one method per candidate: methods transform the whole model).</param>
/// <param name="Budget">Evaluations and time.</param>
/// <param name="SensitivityEpisodes">Calibration episodes of the sensitivity scan (one CEM plan each per unit and level).</param>
/// <param name="Confirmation">The held-out confirmation.</param>
/// <param name="Position">Where the section is written (messages about the search point there).</param>
public sealed record SearchSpec(
    SearchObjective Objective,
    SearchStrategy Strategy,
    AllocationUnit Unit,
    IReadOnlyList<int> Bits,
    IReadOnlyList<WeightGranularity> Granularities,
    IReadOnlyList<int> GroupSizes,
    IReadOnlyList<SearchMethod> Methods,
    SearchBudget Budget,
    int SensitivityEpisodes,
    ConfirmationSpec Confirmation,
    SourcePosition? Position)
{
    /// <summary>
    /// The weight settings a unit may take: every bit width with every granularity (and group size), symmetry and scale
    /// precision from <paramref name="baseWeights"/> (the recipe's); 16 bits is one float level. Distinct, in list order.
    /// </summary>
    public IReadOnlyList<WeightQuantConfig> Levels(WeightQuantConfig baseWeights)
    {
        ArgumentNullException.ThrowIfNull(baseWeights);
        var levels = new List<WeightQuantConfig>();
        foreach (int bits in Bits)
        {
            if (bits == WeightQuantConfig.BypassBits)
            {
                levels.Add(new WeightQuantConfig(bits, WeightGranularity.PerChannel));
                continue;
            }

            foreach (var granularity in Granularities)
            {
                foreach (int groupSize in granularity == WeightGranularity.PerGroup ? GroupSizes : [baseWeights.GroupSize])
                {
                    levels.Add(new WeightQuantConfig(bits, granularity, groupSize, baseWeights.Symmetric, baseWeights.ScaleStorage));
                }
            }
        }

        return [.. levels.Distinct()];
    }
}
