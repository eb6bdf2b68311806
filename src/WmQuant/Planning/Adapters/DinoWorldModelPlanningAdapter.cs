using WmQuant.Models;
using static TorchSharp.torch;

namespace WmQuant.Planning.Adapters;

/// <summary>
/// Presents a <see cref="DinoWorldModel"/> to the planners. Planners see raw proprioception;
/// the model was trained on normalised proprioception, so normalisation happens here, once.
/// </summary>
public sealed class DinoWorldModelPlanningAdapter : ILatentWorldModel
{
    private readonly DinoWorldModel model;
    private readonly float[] proprioMean;
    private readonly float[] proprioStd;

    /// <summary>Wraps a model; the statistics come from the training dataset (normalization.json).</summary>
    public DinoWorldModelPlanningAdapter(DinoWorldModel model, float[]? proprioMean = null, float[]? proprioStd = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        int p = model.Config.ProprioDim;
        this.proprioMean = proprioMean ?? new float[p];
        this.proprioStd = proprioStd ?? [.. Enumerable.Repeat(1f, p)];
        if (this.proprioMean.Length != p || this.proprioStd.Length != p)
        {
            throw new ArgumentException($"proprio statistics must have {p} entries");
        }

        foreach (var parameter in model.parameters())
        {
            // Gradient planners differentiate with respect to actions only.
            parameter.requires_grad = false;
        }

        model.eval();
    }

    /// <summary>The wrapped model (quantization transforms act on it directly).</summary>
    public DinoWorldModel Model => model;

    /// <inheritdoc />
    public int ActionDim => model.Config.ActionInputDim;

    /// <inheritdoc />
    public Device Device => model.Device;

    /// <inheritdoc />
    public ScalarType DType => model.Dtype;

    /// <inheritdoc />
    public long BytesPerPredictRow => RolloutMemoryEstimate.BytesPerRow(model.Config, model.Dtype);

    /// <inheritdoc />
    public LatentObservation Encode(Tensor images, Tensor proprio)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(proprio);
        using var scope = NewDisposeScope();
        var mean = tensor(proprioMean).to(proprio.dtype, proprio.device);
        var std = tensor(proprioStd).to(proprio.dtype, proprio.device);
        var encoded = model.EncodeObservations(images, (proprio - mean) / std);
        return new LatentObservation(encoded.Visual.MoveToOuterDisposeScope(), encoded.Proprio.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public LatentObservation PredictFinal(LatentObservation start, Tensor actions)
    {
        ArgumentNullException.ThrowIfNull(start);
        using var scope = NewDisposeScope();
        var final = model.PredictFinal(new Models.LatentObservation(start.Visual, start.Proprio), actions);
        return new LatentObservation(final.Visual.MoveToOuterDisposeScope(), final.Proprio.MoveToOuterDisposeScope());
    }
}
