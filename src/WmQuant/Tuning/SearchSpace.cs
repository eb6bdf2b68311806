using System.Globalization;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Quantization.Sensitivity;

namespace WmQuant.Tuning;

/// <summary>One layer the search allocates: its name, shape and the input settings it keeps whatever its weights get.</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Rows">N, the output width.</param>
/// <param name="Columns">K, the input width.</param>
/// <param name="Activations">Its input quantization from the recipe (unchanged by the search), or null.</param>
public sealed record SearchLayer(string Name, long Rows, long Columns, ActivationQuantConfig? Activations);

/// <summary>One entry of an allocation: the layers that always share a level.</summary>
/// <param name="Name">Layer name, block prefix or module group.</param>
/// <param name="Layers">Its layers, in model order.</param>
public sealed record SearchUnit(string Name, IReadOnlyList<SearchLayer> Layers)
{
    /// <summary>Weights in the unit.</summary>
    public long Weights => Layers.Sum(l => l.Rows * l.Columns);
}

/// <summary>
/// One point of the search space: a method and a level index per unit. Compared by value, so a candidate met twice is
/// evaluated once.
/// </summary>
/// <param name="Method">The method's recipe name.</param>
/// <param name="Levels">Level index per unit, in unit order.</param>
public sealed record Candidate(string Method, IReadOnlyList<int> Levels)
{
    /// <summary>"rtn:0,0,2,0": the candidate in one stable word (cache keys, logs).</summary>
    public string Key => Method + ":" + string.Join(',', Levels.Select(l => l.ToString(CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    public bool Equals(Candidate? other) => other is not null && Key == other.Key;

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Key);

    /// <summary>The same candidate with unit <paramref name="unit"/> at <paramref name="level"/>.</summary>
    public Candidate With(int unit, int level)
    {
        var levels = Levels.ToArray();
        levels[unit] = level;
        return this with { Levels = levels };
    }
}

/// <summary>
/// What the search chooses from: the units (the recipe's weight-quantized layers, alone or grouped), the levels each
/// may take (ordered from cheapest to dearest over the whole model) and the methods; and what each choice costs, counted
/// exactly as the packed artifact stores it (int32 words of ⌊32/b⌋ codes, fp16 or fp32 scales, packed zero points;
/// float layers at 32 bits), so a candidate's bits per weight is the manifest's figure before anything is quantized.
/// </summary>
public sealed class SearchSpace
{
    private readonly long[][] bits;

    /// <summary>Creates a space; <paramref name="levels"/> are reordered from the cheapest to the dearest.</summary>
    /// <param name="units">The units, in model order.</param>
    /// <param name="levels">The weight settings a unit may take.</param>
    /// <param name="methods">Method names.</param>
    /// <param name="modelLayers">Every quantizable layer of the model (default: the units' layers): a module group whose layers all
    /// share a level is then written as one override instead of one per layer.</param>
    public SearchSpace(IReadOnlyList<SearchUnit> units, IReadOnlyList<WeightQuantConfig> levels, IReadOnlyList<string> methods,
        IReadOnlyList<string>? modelLayers = null)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(methods);
        if (units.Count == 0 || levels.Count == 0 || methods.Count == 0)
        {
            throw new ArgumentException("A search space needs at least one unit, one level and one method.");
        }

        Units = units;
        Methods = methods;
        Levels = [.. levels.Select((l, i) => (Level: l, Index: i, Cost: units.Sum(u => u.Layers.Sum(x => StorageBits(x.Rows, x.Columns, l)))))
            .OrderBy(x => x.Cost).ThenBy(x => x.Index).Select(x => x.Level)];
        bits = [.. units.Select(u => Levels.Select(l => u.Layers.Sum(x => StorageBits(x.Rows, x.Columns, l))).ToArray())];
        Weights = units.Sum(u => u.Weights);
        ModelLayers = modelLayers ?? [.. units.SelectMany(u => u.Layers).Select(l => l.Name)];
    }

    /// <summary>Every quantizable layer of the model.</summary>
    public IReadOnlyList<string> ModelLayers { get; }

    /// <summary>The units, in model order.</summary>
    public IReadOnlyList<SearchUnit> Units { get; }

    /// <summary>The levels, cheapest first: index 0 is where the search starts, the last the safest.</summary>
    public IReadOnlyList<WeightQuantConfig> Levels { get; }

    /// <summary>Method names, in the order searched.</summary>
    public IReadOnlyList<string> Methods { get; }

    /// <summary>Weights of all searched layers.</summary>
    public long Weights { get; }

    /// <summary>The space of a resolved plan: its weight-quantized layers as units, every quantizable layer known for compact overrides.</summary>
    public static SearchSpace For(ResolvedQuantizationScope scope, AllocationUnit unit, IReadOnlyList<WeightQuantConfig> levels, IReadOnlyList<string> methods)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return new SearchSpace(UnitsOf(scope, unit), levels, methods, [.. scope.Layers.Select(l => l.Name)]);
    }

    /// <summary>The units of a resolved plan: its weight-quantized layers, alone, by block or by module group (as the sensitivity scan groups them).</summary>
    public static IReadOnlyList<SearchUnit> UnitsOf(ResolvedQuantizationScope scope, AllocationUnit unit)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var weighted = new ResolvedQuantizationScope([.. scope.Layers.Where(l => l.Weights is not null)], []);
        var kind = unit switch
        {
            AllocationUnit.Block => SensitivityUnit.Block,
            AllocationUnit.Group => SensitivityUnit.Group,
            _ => SensitivityUnit.Layer,
        };
        return [.. SensitivityScan.Units(weighted, kind).Select(u => new SearchUnit(u.Unit,
            [.. u.Layers.Select(l => new SearchLayer(l.Name, l.OutFeatures, l.InFeatures, l.Activations))]))];
    }

    /// <summary>Storage bits of unit <paramref name="unit"/> at level <paramref name="level"/>.</summary>
    public long UnitBits(int unit, int level) => bits[unit][level];

    /// <summary>Storage bits of a candidate's searched layers.</summary>
    public long StorageBits(Candidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        long total = 0;
        for (int u = 0; u < Units.Count; u++)
        {
            total += bits[u][candidate.Levels[u]];
        }

        return total;
    }

    /// <summary>Storage bits per searched weight.</summary>
    public double BitsPerWeight(Candidate candidate) => (double)StorageBits(candidate) / Weights;

    /// <summary>Storage bytes of the searched weights (bits rounded up to whole bytes).</summary>
    public long Bytes(Candidate candidate) => (StorageBits(candidate) + 7) / 8;

    /// <summary>Every unit at one level.</summary>
    public Candidate Uniform(string method, int level) => new(method, [.. Enumerable.Repeat(level, Units.Count)]);

    /// <summary>"W3 g128", "W16" (float).</summary>
    public string LevelName(int level) => QuantizationRequest.Describe(Levels[level].IsBypass ? null : Levels[level]);

    /// <summary>
    /// The recipe's request with a candidate's method and, for every searched layer, its weights at the candidate's level
    /// (appended as per-layer overrides where they differ from what the request already gives the layer, so the
    /// resolved recipe lists only what the search changed). Input settings are kept as the recipe has them.
    /// </summary>
    public QuantizationRequest Request(QuantizationRequest recipe, SearchMethod method, Candidate candidate)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(candidate);
        var plan = recipe.Plan;
        var rules = new List<QuantScopeRule>(recipe.Overrides);
        var wanted = new Dictionary<string, (SearchLayer Layer, WeightQuantConfig Level)>(StringComparer.Ordinal);
        for (int u = 0; u < Units.Count; u++)
        {
            foreach (var layer in Units[u].Layers)
            {
                wanted[layer.Name] = (layer, Levels[candidate.Levels[u]]);
            }
        }

        bool Changed(string name) => plan.WeightsFor(name) != (wanted[name].Level.IsBypass ? null : wanted[name].Level);

        // A module group whose every quantizable layer is searched and gets one setting becomes one rule ("predictor: W8").
        var grouped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in ModelLayers.GroupBy(n => Models.ModuleGroups.Of(n)).Where(g => g.Key is not null))
        {
            var names = group.ToList();
            if (names.All(wanted.ContainsKey) && names.Select(n => wanted[n].Level).Distinct().Count() == 1
                && names.Select(n => wanted[n].Layer.Activations).Distinct().Count() == 1 && names.Any(Changed))
            {
                var (layer, level) = wanted[names[0]];
                rules.Add(new QuantScopeRule(LayerSelector.Group(group.Key!.Value), level, layer.Activations));
                grouped.UnionWith(names);
            }
        }

        foreach (var (name, (layer, level)) in wanted.Where(w => !grouped.Contains(w.Key) && Changed(w.Key)))
        {
            rules.Add(new QuantScopeRule(LayerSelector.Glob(name), level, layer.Activations));
        }

        return recipe with { Method = method.Definition, Options = method.Options, Overrides = rules };
    }

    /// <summary>
    /// Storage bits of one [rows, columns] weight at a setting, as <see cref="PackedLinearWeight.StorageBits"/> counts them:
    /// int32 words of ⌊32/b⌋ codes per row, scales in their stored precision, packed zero points; a float weight at 32 bits.
    /// </summary>
    public static long StorageBits(long rows, long columns, WeightQuantConfig weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.IsBypass)
        {
            return rows * columns * 32;
        }

        long codes = Product(PackedLinearWeight.PackedShape(rows, columns, weights.Bits)) * 32;
        long scales = Product(PackedLinearWeight.StoredScaleShape(rows, columns, weights)) * (weights.ScaleStorage == ScaleStorage.Float16 ? 16 : 32);
        long zeroPoints = PackedLinearWeight.ZeroPointLayout(rows, columns, weights) is { } zp
            ? Product(zp.Shape) * (zp.Dtype == TorchSharp.torch.ScalarType.Int8 ? 8 : 32)
            : 0;
        return codes + scales + zeroPoints;
    }

    private static long Product(long[] shape) => shape.Aggregate(1L, (a, b) => a * b);
}
