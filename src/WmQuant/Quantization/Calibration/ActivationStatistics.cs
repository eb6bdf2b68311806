using System.Globalization;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Calibration;

/// <summary>
/// Calibration statistics for every observed layer, filled by <see cref="Observe"/> (the shape of a Linear's
/// input observer) and saved as a flat dictionary of tensors (safetensors-compatible names and dtypes).
/// Deterministic: each layer's reservoir draws come from a SplitMix64 stream seeded from (seed, layer name),
/// so the same inputs in the same order give the same sample, and a reloaded object continues identically.
/// </summary>
public sealed class ActivationStatistics : IDisposable
{
    /// <summary>Dictionary key holding the reservoir capacity (int64 [1]).</summary>
    public const string CapacityKey = "calibration.reservoir_capacity";

    /// <summary>Dictionary key holding the base seed (int64 [1]).</summary>
    public const string SeedKey = "calibration.seed";

    private const string SeenSuffix = ".tokens_seen";

    private readonly Lock gate = new();
    private readonly Dictionary<string, LayerActivationStatistics> layers = new(StringComparer.Ordinal);

    /// <summary>Creates an empty collection.</summary>
    /// <param name="reservoirCapacity">Tokens kept per layer for OMSE/output-error searches.</param>
    /// <param name="seed">Base seed of the reservoir sampling.</param>
    public ActivationStatistics(int reservoirCapacity = 4096, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(reservoirCapacity, 1);
        ReservoirCapacity = reservoirCapacity;
        Seed = seed;
    }

    /// <summary>Most tokens kept per layer.</summary>
    public int ReservoirCapacity { get; }

    /// <summary>Base seed of the reservoir sampling.</summary>
    public ulong Seed { get; }

    /// <summary>Observed layer names, sorted ordinally (a stable order for reports and files).</summary>
    public IReadOnlyList<string> Layers
    {
        get
        {
            lock (gate)
            {
                return [.. layers.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Statistics of <paramref name="layer"/>.</summary>
    /// <exception cref="KeyNotFoundException">The layer was never observed.</exception>
    public LayerActivationStatistics this[string layer]
    {
        get
        {
            lock (gate)
            {
                return layers.TryGetValue(layer, out var stats) ? stats : throw new KeyNotFoundException($"No calibration statistics for layer '{layer}'.");
            }
        }
    }

    /// <summary>Statistics of <paramref name="layer"/>, or null when it was never observed.</summary>
    public LayerActivationStatistics? TryGet(string layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        lock (gate)
        {
            return layers.GetValueOrDefault(layer);
        }
    }

    /// <summary>Records an input [..., K] of <paramref name="layer"/>; safe to call from several threads.</summary>
    /// <exception cref="ArgumentException">The layer was seen before with another width K (a wiring bug).</exception>
    public void Observe(string layer, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long channels = input.shape[^1];
        var tokens = input.detach().reshape(-1, channels).to_type(ScalarType.Float32);
        lock (gate)
        {
            if (!layers.TryGetValue(layer, out var stats))
            {
                var random = new SplitMix64(SplitMix64.StreamSeed(Seed, layer));
                stats = new LayerActivationStatistics(layer, channels, ReservoirCapacity, random);
                layers[layer] = stats;
            }
            else if (stats.Channels != channels)
            {
                throw new ArgumentException($"Layer '{layer}' was observed with {stats.Channels} input channels before and now {channels}.", nameof(input));
            }

            stats.Add(tokens);
        }
    }

    /// <summary><see cref="Observe"/> as a delegate, the shape of a Linear's input observer.</summary>
    public Action<string, Tensor> AsObserver() => Observe;

    /// <summary>Everything as named CPU tensors ("{layer}.input_min", ...), ready for a safetensors file.</summary>
    public Dictionary<string, Tensor> ToTensors()
    {
        lock (gate)
        {
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal)
            {
                [CapacityKey] = tensor(new long[] { ReservoirCapacity }, ScalarType.Int64),
                [SeedKey] = tensor(new[] { unchecked((long)Seed) }, ScalarType.Int64),
            };
            foreach (var stats in layers.Values)
            {
                foreach (var (key, value) in stats.ToTensors())
                {
                    result[key] = value;
                }
            }

            return result;
        }
    }

    /// <summary>Frees every layer's tensors.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            foreach (var stats in layers.Values)
            {
                stats.Dispose();
            }

            layers.Clear();
        }
    }

    /// <summary>Rebuilds statistics saved by <see cref="ToTensors"/>; observing more continues as if never saved.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or inconsistent; the message names it.</exception>
    public static ActivationStatistics FromTensors(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!tensors.TryGetValue(CapacityKey, out var capacity) || !tensors.TryGetValue(SeedKey, out var seed))
        {
            throw new InvalidDataException($"Calibration statistics need {CapacityKey} and {SeedKey}.");
        }

        long capacityValue = capacity.item<long>();
        if (capacityValue is < 1 or > int.MaxValue)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{CapacityKey} = {capacityValue} is out of range."));
        }

        var result = new ActivationStatistics((int)capacityValue, unchecked((ulong)seed.item<long>()));
        foreach (string key in tensors.Keys.Where(k => k.EndsWith(SeenSuffix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            string layer = key[..^SeenSuffix.Length];
            result.layers[layer] = LayerActivationStatistics.FromTensors(tensors, layer, result.ReservoirCapacity);
        }

        return result;
    }
}
