namespace WmQuant.Models.Config;

/// <summary>
/// How many parameters a config describes, from the config alone (Linear layers, convolutions, embeddings), in
/// floating point so a hostile config cannot overflow the count. Compared with what a checkpoint holds before the
/// network is built: a config describing gigabytes next to a checkpoint of megabytes is refused, not allocated.
/// </summary>
public static class WorldModelConfigSize
{
    /// <summary>An estimate of the parameter count (within a few percent of the built model's; never far below it).</summary>
    public static double Parameters(WorldModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        double total = ModelLayerShapes.Of(config).Sum(l => ((double)l.InFeatures * l.OutFeatures) + l.OutFeatures);
        double dim = config.Encoder.Dim;
        double patch = config.PatchSize;
        double grid = config.Encoder.PosEmbedGrid;
        total += (3 * patch * patch * dim) + ((grid * grid) + 2 + config.Encoder.RegisterTokens) * dim;
        total += (double)config.NumHist * config.PatchesPerFrame * config.TokenDim;
        if (config.Decoder.Enabled)
        {
            double c = config.Decoder.Channels;
            total += (9 * dim * c) + (16 * c * c * Math.Max(config.Decoder.Upsamplings, 0)) + (27 * c);
        }

        return total;
    }
}
