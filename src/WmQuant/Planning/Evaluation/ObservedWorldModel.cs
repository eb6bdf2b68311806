using static TorchSharp.torch;

namespace WmQuant.Planning.Evaluation;

/// <summary>
/// Wraps a world model and tells an observer before every call. This is the calibration hook:
/// quantization runs the ordinary planner on calibration seeds through this wrapper and arms its
/// recorders (or skips recording) per call; it also lets tests and benchmarks count calls and batch sizes.
/// </summary>
public sealed class ObservedWorldModel : ILatentWorldModel
{
    private readonly ILatentWorldModel _inner;
    private readonly Action<ModelCall> _beforeCall;
    private long _calls;

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="beforeCall"/> runs synchronously before each call.</summary>
    public ObservedWorldModel(ILatentWorldModel inner, Action<ModelCall> beforeCall)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(beforeCall);
        _inner = inner;
        _beforeCall = beforeCall;
    }

    /// <inheritdoc/>
    public int ActionDim => _inner.ActionDim;

    /// <inheritdoc/>
    public Device Device => _inner.Device;

    /// <inheritdoc/>
    public ScalarType DType => _inner.DType;

    /// <inheritdoc/>
    public long BytesPerPredictRow => _inner.BytesPerPredictRow;

    /// <summary>Calls made through the wrapper so far.</summary>
    public long Calls => _calls;

    /// <inheritdoc/>
    public LatentObservation Encode(Tensor images, Tensor proprio)
    {
        ArgumentNullException.ThrowIfNull(images);
        _beforeCall(new ModelCall(ModelCallKind.Encode, images.shape[0], _calls++));
        return _inner.Encode(images, proprio);
    }

    /// <inheritdoc/>
    public LatentObservation PredictFinal(LatentObservation start, Tensor actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        _beforeCall(new ModelCall(ModelCallKind.PredictFinal, actions.shape[0], _calls++));
        return _inner.PredictFinal(start, actions);
    }
}
