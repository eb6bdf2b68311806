using static TorchSharp.torch;

namespace WmQuant.Models.Predictor;

/// <summary>
/// Keys and values, one pair per predictor layer, of the frames a rollout has already fed the predictor at fixed
/// window positions. Under the frame-causal mask a frame's hidden states depend only on itself and earlier frames, so
/// while a rollout's window is still growing from its first frame, the next call needs only the new frame's queries
/// against these cached keys: recomputing the earlier frames would give the same values.
/// </summary>
public sealed class PredictorKeyValueCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    /// <summary>Creates an empty cache for a predictor of <paramref name="depth"/> layers.</summary>
    public PredictorKeyValueCache(int depth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        _keys = new Tensor?[depth];
        _values = new Tensor?[depth];
    }

    /// <summary>How many frames' keys and values the cache holds (the window position of the next frame).</summary>
    public long Frames { get; private set; }

    /// <summary>
    /// The keys and values [B, heads, tokens, dim_head] of the cached frames followed by <paramref name="keys"/> and
    /// <paramref name="values"/> of the new ones; with <paramref name="store"/> the cache keeps the result for layer
    /// <paramref name="layer"/> (and owns the returned tensors; otherwise they belong to the caller's dispose scope).
    /// </summary>
    internal (Tensor Keys, Tensor Values) Extend(int layer, Tensor keys, Tensor values, bool store)
    {
        var allKeys = _keys[layer] is { } cachedKeys ? cat([cachedKeys, keys], 2) : keys;
        var allValues = _values[layer] is { } cachedValues ? cat([cachedValues, values], 2) : values;
        if (store)
        {
            // A stored first slice is copied out of the qkv projection, so the cache does not keep all of it alive.
            allKeys = Replace(_keys, layer, allKeys.contiguous());
            allValues = Replace(_values, layer, allValues.contiguous());
        }

        return (allKeys, allValues);
    }

    /// <summary>Records that <paramref name="frames"/> more frames are now cached in every layer.</summary>
    internal void Advance(long frames) => Frames += frames;

    /// <inheritdoc />
    public void Dispose()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = null;
            _values[i] = null;
        }
    }

    private static Tensor Replace(Tensor?[] slots, int layer, Tensor value)
    {
        // The cache owns the handle from here on: the caller's dispose scope must not free it.
        slots[layer]?.Dispose();
        slots[layer] = value.DetachFromDisposeScope();
        return value;
    }
}
