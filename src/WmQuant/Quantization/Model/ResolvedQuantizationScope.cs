namespace WmQuant.Quantization.Model;

/// <summary>
/// A plan applied to one model: the settings of every quantizable layer in model order, which layers stay in
/// float, and which rules selected nothing (almost always a typo in a glob, worth a warning).
/// </summary>
/// <param name="Layers">Every quantizable layer of the model with its settings, in model order.</param>
/// <param name="UnmatchedRules">Rules (overrides) that selected no layer of this model.</param>
public sealed record ResolvedQuantizationScope(IReadOnlyList<LayerQuantSettings> Layers, IReadOnlyList<QuantScopeRule> UnmatchedRules)
{
    /// <summary>Layers whose weight or input is quantized.</summary>
    public IReadOnlyList<LayerQuantSettings> Quantized => [.. Layers.Where(l => !l.IsFloat)];

    /// <summary>Layers left entirely in float (the artifact's ignore list).</summary>
    public IReadOnlyList<LayerQuantSettings> Float => [.. Layers.Where(l => l.IsFloat)];

    /// <summary>The settings of one layer.</summary>
    /// <exception cref="KeyNotFoundException">No quantizable layer has that name.</exception>
    public LayerQuantSettings this[string name] => Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new KeyNotFoundException($"No quantizable layer named '{name}'.");
}
