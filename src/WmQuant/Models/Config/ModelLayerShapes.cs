namespace WmQuant.Models.Config;

/// <summary>One quantizable layer as a config describes it: its state-dict name and its matrix shape [N, K].</summary>
/// <param name="Name">State-dict name ("encoder.blocks.0.attn.qkv").</param>
/// <param name="InFeatures">K, the input width.</param>
/// <param name="OutFeatures">N, the output width.</param>
public sealed record LayerShape(string Name, long InFeatures, long OutFeatures);

/// <summary>
/// The quantizable layers of a <see cref="DinoWorldModel"/> read off its config alone, in model order, so a recipe's
/// group sizes and layer globs are checked at validation without building the network (a test keeps this list equal
/// to <see cref="DinoWorldModel.NamedQuantizableLayers"/> for every config under models/).
/// </summary>
public static class ModelLayerShapes
{
    /// <summary>The layers of a model built from <paramref name="config"/>.</summary>
    public static IReadOnlyList<LayerShape> Of(WorldModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var layers = new List<LayerShape>();
        int d = config.Encoder.Dim;
        for (int i = 0; i < config.Encoder.Depth; i++)
        {
            string block = $"encoder.blocks.{i}";
            layers.Add(new($"{block}.attn.qkv", d, 3L * d));
            layers.Add(new($"{block}.attn.proj", d, d));
            layers.Add(new($"{block}.mlp.fc1", d, config.Encoder.MlpDim));
            layers.Add(new($"{block}.mlp.fc2", config.Encoder.MlpDim, d));
        }

        long token = config.TokenDim;
        long inner = (long)config.Predictor.Heads * config.Predictor.DimHead;
        for (int i = 0; i < config.Predictor.Depth; i++)
        {
            string layer = $"predictor.transformer.layers.{i}";
            layers.Add(new($"{layer}.0.to_qkv", token, 3 * inner));
            layers.Add(new($"{layer}.0.to_out.0", inner, token));
            layers.Add(new($"{layer}.1.net.1", token, config.Predictor.MlpDim));
            layers.Add(new($"{layer}.1.net.4", config.Predictor.MlpDim, token));
        }

        layers.Add(new("action_encoder.patch_embed", config.ActionInputDim, config.ActionEmbDim));
        layers.Add(new("proprio_encoder.patch_embed", config.ProprioDim, config.ProprioEmbDim));
        return layers;
    }
}
