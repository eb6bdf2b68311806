using WmQuant.Planning;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning.Toys;

/// <summary>
/// The exact dynamics of <see cref="PointReachingTask"/> as a latent model: the encoder reads the
/// position back from the pixels (visual [B,T,1,2]) and the proprio is the position; a model
/// action stacks <c>frameskip</c> normalised env actions.
/// </summary>
internal sealed class PointReachingModel(int frameskip, float actionMean, float actionStd) : ILatentWorldModel
{
    public int ActionDim => 2 * frameskip;
    public Device Device => CPU;
    public ScalarType DType => ScalarType.Float32;

    public long BytesPerPredictRow => 0;

    public LatentObservation Encode(Tensor images, Tensor proprio)
    {
        long b = images.shape[0], t = images.shape[1];
        var position = images.narrow(2, 0, 2).mean([3, 4]).Sub(0.5).Mul(PointReachingTask.PixelScale);
        return new LatentObservation(position.reshape(b, t, 1, 2), proprio.to(DType));
    }

    public LatentObservation PredictFinal(LatentObservation start, Tensor actions)
    {
        long b = actions.shape[0];
        long observed = start.Visual.shape[1];
        var future = actions.narrow(1, observed - 1, actions.shape[1] - observed + 1);
        var envActions = future.reshape(b, -1, frameskip, 2).Mul(actionStd).Add(actionMean).Clamp(-1f, 1f);
        var displacement = envActions.sum([1, 2]);
        var position = start.Proprio.select(1, observed - 1).Add(displacement);
        return new LatentObservation(position.reshape(b, 1, 1, 2), position.reshape(b, 1, 2));
    }
}
