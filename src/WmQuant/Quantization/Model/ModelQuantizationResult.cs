namespace WmQuant.Quantization.Model;

/// <summary>
/// A quantized model's description: the method, the plan as resolved on the model, and one record per quantizable
/// layer in model order (float layers included). The model itself was changed in place; this is what reports show
/// and what <see cref="Packing.QuantizedModelArtifact"/> packs. Owns the codes: dispose it when done.
/// </summary>
public sealed class ModelQuantizationResult : IDisposable
{
    /// <summary>Wraps the records a method produced.</summary>
    public ModelQuantizationResult(string method, ModelQuantizationPlan plan, ResolvedQuantizationScope scope, IReadOnlyList<LayerQuantizationRecord> layers)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(layers);
        Method = method;
        Plan = plan;
        Scope = scope;
        Layers = layers;
    }

    /// <summary>Method name ("rtn", "omse").</summary>
    public string Method { get; }

    /// <summary>The plan that was applied.</summary>
    public ModelQuantizationPlan Plan { get; }

    /// <summary>The plan resolved on the model (settings per layer, unmatched rules).</summary>
    public ResolvedQuantizationScope Scope { get; }

    /// <summary>Every quantizable layer, in model order.</summary>
    public IReadOnlyList<LayerQuantizationRecord> Layers { get; }

    /// <summary>The per-layer reports, in model order.</summary>
    public IReadOnlyList<ModelLayerReport> Reports => [.. Layers.Select(l => l.Report)];

    /// <summary>Layers whose weight or input was quantized.</summary>
    public IReadOnlyList<LayerQuantizationRecord> Quantized => [.. Layers.Where(l => !l.Settings.IsFloat)];

    /// <summary>Names of the layers left in float.</summary>
    public IReadOnlyList<string> FloatLayers => [.. Layers.Where(l => l.Settings.IsFloat).Select(l => l.Name)];

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var layer in Layers)
        {
            layer.Codes?.Dispose();
        }
    }
}
