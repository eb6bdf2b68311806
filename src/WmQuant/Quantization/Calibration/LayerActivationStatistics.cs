using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Calibration;

/// <summary>
/// Running statistics of the inputs [tokens, K] of one layer: global min/max (static activation ranges),
/// per-channel mean |x| (AWQ), max |x| (SmoothQuant's scales) and signed min and max (static ranges of inputs that a
/// per-channel transform changes: SmoothQuant, OmniQuant), and a uniform reservoir sample of input tokens
/// (OMSE and output-error searches). All tensors live on the CPU in float32 (running sums in float64, each
/// call's partial sum in float32).
/// </summary>
public sealed class LayerActivationStatistics : IDisposable
{
    private readonly SplitMix64 random;
    private Tensor absSum;
    private Tensor absMax;
    private Tensor channelMin;
    private Tensor channelMax;
    private Tensor reservoir;

    internal LayerActivationStatistics(string layer, long channels, int capacity, SplitMix64 random)
    {
        Layer = layer;
        Channels = channels;
        Capacity = capacity;
        this.random = random;
        Min = double.PositiveInfinity;
        Max = double.NegativeInfinity;
        // Long-lived state: kept out of whatever dispose scope the first observation happens in.
        absSum = zeros(channels, ScalarType.Float64).DetachFromDisposeScope();
        absMax = zeros(channels, ScalarType.Float32).DetachFromDisposeScope();
        channelMin = ScalarOps.Full([channels], float.PositiveInfinity, ScalarType.Float32).DetachFromDisposeScope();
        channelMax = ScalarOps.Full([channels], float.NegativeInfinity, ScalarType.Float32).DetachFromDisposeScope();
        reservoir = zeros(capacity, channels, ScalarType.Float32).DetachFromDisposeScope();
    }

    /// <summary>Layer name (the model's parameter-name prefix of the Linear).</summary>
    public string Layer { get; }

    /// <summary>K, the layer's input width.</summary>
    public long Channels { get; }

    /// <summary>Most tokens the reservoir keeps.</summary>
    public int Capacity { get; }

    /// <summary>Tokens observed so far.</summary>
    public long TokensSeen { get; private set; }

    /// <summary>Smallest input value seen (+∞ before any).</summary>
    public double Min { get; private set; }

    /// <summary>Largest input value seen (−∞ before any).</summary>
    public double Max { get; private set; }

    /// <summary>Tokens currently in the reservoir: min(TokensSeen, Capacity).</summary>
    public int ReservoirCount => (int)Math.Min(TokensSeen, Capacity);

    /// <summary>float32 [K]: mean |x| per input channel over every token seen (zeros before any).</summary>
    public Tensor MeanAbs() => TokensSeen == 0 ? absSum.to_type(ScalarType.Float32) : absSum.Div(TokensSeen).to_type(ScalarType.Float32);

    /// <summary>float32 [K]: max |x| per input channel over every token seen (a copy).</summary>
    public Tensor MaxAbs() => absMax.clone();

    /// <summary>float32 [K]: smallest x per input channel over every token seen (+∞ before any; a copy).</summary>
    public Tensor ChannelMin() => channelMin.clone();

    /// <summary>float32 [K]: largest x per input channel over every token seen (−∞ before any; a copy).</summary>
    public Tensor ChannelMax() => channelMax.clone();

    /// <summary>float32 [ReservoirCount, K]: the whole uniform sample of the tokens seen (a copy), both halves.</summary>
    public Tensor AllSampledTokens() => reservoir.narrow(0, 0, ReservoirCount).clone();

    /// <summary>Sampled tokens methods may fit on: the first half of the reservoir (rounded up).</summary>
    public int FitCount => (ReservoirCount + 1) / 2;

    /// <summary>
    /// float32 [FitCount, K]: the sampled tokens methods fit on (search ranges, scales, Hessians) — the first half of a
    /// uniform sample of the tokens seen (a copy). The other half is kept for <see cref="HeldOutTokens"/>.
    /// </summary>
    public Tensor SampledTokens() => reservoir.narrow(0, 0, FitCount).clone();

    /// <summary>
    /// float32 [ReservoirCount − FitCount, K]: sampled tokens no method fits on, for the held-out output errors every
    /// report gives (a copy; empty with fewer than two sampled tokens).
    /// </summary>
    public Tensor HeldOutTokens() => reservoir.narrow(0, FitCount, ReservoirCount - FitCount).clone();

    /// <summary>Adds tokens [M, K] (already flattened, float32, any device).</summary>
    internal void Add(Tensor tokens)
    {
        long count = tokens.shape[0];
        if (count == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        // Two column reductions give everything but the sum: max |x| per channel is max(max x, −min x) exactly.
        var columnMax = tokens.amax([0]);
        var columnMin = tokens.amin([0]);
        Min = Math.Min(Min, columnMin.min().cpu().item<float>());
        Max = Math.Max(Max, columnMax.max().cpu().item<float>());
        absMax.copy_(maximum(absMax, maximum(columnMax, columnMin.neg()).cpu()));
        channelMin.copy_(minimum(channelMin, columnMin.cpu()));
        channelMax.copy_(maximum(channelMax, columnMax.cpu()));
        // Σ|x| per channel as a float32 1-norm (one pass, cascade-summed) added to the float64 running total:
        // about 20x faster than summing in float64, relative error ~1e-7 per call.
        absSum.AddInPlace(tokens.norm(0, false, 1f).to_type(ScalarType.Float64).cpu());
        SampleIntoReservoir(tokens, count);
        TokensSeen += count;
    }

    /// <summary>Algorithm R: token g (0-based, global) fills slot g while there is room, else replaces a uniform slot with probability Capacity/(g+1).</summary>
    private void SampleIntoReservoir(Tensor tokens, long count)
    {
        var sourceOfSlot = new Dictionary<long, long>();
        for (long t = 0; t < count; t++)
        {
            long global = TokensSeen + t;
            if (global < Capacity)
            {
                sourceOfSlot[global] = t;
                continue;
            }

            ulong draw = random.NextBelow((ulong)global + 1);
            if (draw < (ulong)Capacity)
            {
                sourceOfSlot[(long)draw] = t; // a later token overwrites an earlier one in the same slot, as in the sequential algorithm
            }
        }

        if (sourceOfSlot.Count == 0)
        {
            return;
        }

        var slots = tensor(sourceOfSlot.Keys.ToArray(), ScalarType.Int64);
        var sources = tensor(sourceOfSlot.Values.ToArray(), ScalarType.Int64, tokens.device);
        reservoir.index_copy_(0, slots, tokens.index_select(0, sources).cpu());
    }

    internal Dictionary<string, Tensor> ToTensors()
    {
        return new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [Key(Layer, "input_min")] = tensor(new[] { Min }, ScalarType.Float64),
            [Key(Layer, "input_max")] = tensor(new[] { Max }, ScalarType.Float64),
            [Key(Layer, "input_abs_sum")] = absSum.clone(),
            [Key(Layer, "input_abs_max")] = absMax.clone(),
            [Key(Layer, "input_channel_min")] = channelMin.clone(),
            [Key(Layer, "input_channel_max")] = channelMax.clone(),
            [Key(Layer, "tokens_seen")] = tensor(new[] { TokensSeen }, ScalarType.Int64),
            [Key(Layer, "reservoir")] = AllSampledTokens(),
            [Key(Layer, "rng_state")] = tensor(new[] { unchecked((long)random.State) }, ScalarType.Int64),
        };
    }

    internal static LayerActivationStatistics FromTensors(IReadOnlyDictionary<string, Tensor> tensors, string layer, int capacity)
    {
        var sum = Get(tensors, layer, "input_abs_sum", ScalarType.Float64);
        long channels = sum.shape[0];
        var rng = new SplitMix64(unchecked((ulong)Get(tensors, layer, "rng_state", ScalarType.Int64).item<long>()));
        var stats = new LayerActivationStatistics(layer, channels, capacity, rng)
        {
            Min = Get(tensors, layer, "input_min", ScalarType.Float64).item<double>(),
            Max = Get(tensors, layer, "input_max", ScalarType.Float64).item<double>(),
            TokensSeen = Get(tensors, layer, "tokens_seen", ScalarType.Int64).item<long>(),
        };
        stats.absSum.copy_(sum);
        var max = Get(tensors, layer, "input_abs_max", ScalarType.Float32);
        var lowest = Get(tensors, layer, "input_channel_min", ScalarType.Float32);
        var highest = Get(tensors, layer, "input_channel_max", ScalarType.Float32);
        var sample = Get(tensors, layer, "reservoir", ScalarType.Float32);
        if (!max.shape.SequenceEqual(new[] { channels }) || !sample.shape.SequenceEqual(new long[] { stats.ReservoirCount, channels })
            || !lowest.shape.SequenceEqual(new[] { channels }) || !highest.shape.SequenceEqual(new[] { channels }))
        {
            throw new InvalidDataException($"Calibration statistics of {layer} have inconsistent shapes (K = {channels}, {stats.ReservoirCount} sampled tokens expected).");
        }

        stats.absMax.copy_(max);
        stats.channelMin.copy_(lowest);
        stats.channelMax.copy_(highest);
        stats.reservoir.narrow(0, 0, stats.ReservoirCount).copy_(sample);
        return stats;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        absSum.Dispose();
        absMax.Dispose();
        channelMin.Dispose();
        channelMax.Dispose();
        reservoir.Dispose();
    }

    internal static string Key(string layer, string field) => $"{layer}.{field}";

    private static Tensor Get(IReadOnlyDictionary<string, Tensor> tensors, string layer, string field, ScalarType dtype)
    {
        string key = Key(layer, field);
        if (!tensors.TryGetValue(key, out var value))
        {
            throw new InvalidDataException($"Calibration tensor {key} is missing.");
        }

        return value.dtype == dtype ? value : throw new InvalidDataException($"Calibration tensor {key} has dtype {value.dtype}; expected {dtype}.");
    }
}
