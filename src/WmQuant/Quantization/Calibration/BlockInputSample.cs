using System.Globalization;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Calibration;

/// <summary>
/// Whole input sequences [tokens, width] of transformer blocks, kept while the FP planner runs: what block-wise
/// methods (OmniQuant) optimise on. A Linear's reservoir holds single tokens of its input, which cannot be put back
/// together into sequences (attention mixes the tokens of a sequence) nor traced back through a LayerNorm to the
/// block input, so these are recorded separately. One stream per block and sequence length (the predictor sees
/// windows of 1..num_hist frames, each with its own frame-causal mask); each stream is a uniform sample of the
/// sequences seen (Algorithm R over sequences, SplitMix64 seeded from (seed, stream key)), so memory is bounded by
/// <see cref="Capacity"/> and the same inputs in the same order give the same sample.
/// </summary>
public sealed class BlockInputSample : IDisposable
{
    /// <summary>Key holding the capacity (int64 [1]) in a calibration file.</summary>
    public const string CapacityKey = "block_inputs.capacity";

    /// <summary>Key holding the base seed (int64 [1]) in a calibration file.</summary>
    public const string SeedKey = "block_inputs.seed";

    private const string Prefix = "block_inputs/";
    private const string SequencesField = "sequences";
    private const string SeenField = "seen";
    private const string RngField = "rng_state";

    private readonly Lock gate = new();
    private readonly Dictionary<string, BlockInputReservoir> streams = new(StringComparer.Ordinal);

    /// <summary>Creates an empty sample.</summary>
    /// <param name="capacity">Sequences kept per stream (block and length), at least 1.</param>
    /// <param name="seed">Base seed of the sampling.</param>
    public BlockInputSample(int capacity, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        Seed = seed;
    }

    /// <summary>Most sequences kept per stream.</summary>
    public int Capacity { get; }

    /// <summary>Base seed of the sampling.</summary>
    public ulong Seed { get; }

    /// <summary>Every stream, ordered by block name, then by sequence length.</summary>
    public IReadOnlyList<BlockInputReservoir> Streams
    {
        get
        {
            lock (gate)
            {
                return [.. streams.Values.OrderBy(s => s.Block, StringComparer.Ordinal).ThenBy(s => s.Tokens)];
            }
        }
    }

    /// <summary>The streams of one block (one per sequence length seen), shortest first; empty when none.</summary>
    public IReadOnlyList<BlockInputReservoir> Of(string block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return [.. Streams.Where(s => s.Block == block)];
    }

    /// <summary>Records the input [B, N, D] of <paramref name="block"/>: B sequences of length N.</summary>
    /// <exception cref="ArgumentException">Not a 3-D tensor, or a width other than the one seen before.</exception>
    public void Observe(string block, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 3)
        {
            throw new ArgumentException($"block input of {block} must be [B, N, D], got [{string.Join(", ", input.shape)}]", nameof(input));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sequences = input.detach().to_type(ScalarType.Float32);
        string key = StreamKey(block, sequences.shape[1]);
        lock (gate)
        {
            if (!streams.TryGetValue(key, out var stream))
            {
                var random = new SplitMix64(SplitMix64.StreamSeed(Seed, key));
                stream = new BlockInputReservoir(block, sequences.shape[1], sequences.shape[2], Capacity, random);
                streams[key] = stream;
            }
            else if (stream.Width != sequences.shape[2])
            {
                throw new ArgumentException($"block {block} was observed with width {stream.Width} before and now {sequences.shape[2]}", nameof(input));
            }

            stream.Add(sequences);
        }
    }

    /// <summary>Everything as named CPU tensors ("block_inputs/{block}@{N}/sequences", ...), for a safetensors file.</summary>
    public Dictionary<string, Tensor> ToTensors()
    {
        lock (gate)
        {
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal)
            {
                [CapacityKey] = tensor(new long[] { Capacity }, ScalarType.Int64),
                [SeedKey] = tensor(new[] { unchecked((long)Seed) }, ScalarType.Int64),
            };
            foreach (var (key, stream) in streams)
            {
                result[Key(key, SequencesField)] = stream.Sequences();
                result[Key(key, SeenField)] = tensor(new[] { stream.SequencesSeen }, ScalarType.Int64);
                result[Key(key, RngField)] = tensor(new[] { unchecked((long)stream.RandomState) }, ScalarType.Int64);
            }

            return result;
        }
    }

    /// <summary>
    /// The sample stored in <paramref name="tensors"/> (a calibration file's tensors), or null when it holds none
    /// (<see cref="CapacityKey"/> absent). Other keys are ignored.
    /// </summary>
    /// <exception cref="InvalidDataException">A stream's tensors are missing or inconsistent.</exception>
    public static BlockInputSample? FromTensors(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!tensors.TryGetValue(CapacityKey, out var capacity))
        {
            return null;
        }

        if (!tensors.TryGetValue(SeedKey, out var seed))
        {
            throw new InvalidDataException($"{CapacityKey} is present but {SeedKey} is missing");
        }

        long capacityValue = capacity.item<long>();
        if (capacityValue is < 1 or > int.MaxValue)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{CapacityKey} = {capacityValue} is out of range."));
        }

        var result = new BlockInputSample((int)capacityValue, unchecked((ulong)seed.item<long>()));
        string suffix = "/" + SequencesField;
        foreach (string name in tensors.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal) && k.EndsWith(suffix, StringComparison.Ordinal)))
        {
            string key = name[Prefix.Length..^suffix.Length];
            int at = key.LastIndexOf('@');
            if (at <= 0 || !long.TryParse(key[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long tokens))
            {
                throw new InvalidDataException($"block input stream '{key}' is not named block@length");
            }

            var sequences = tensors[name];
            long seen = Get(tensors, key, SeenField).item<long>();
            ulong state = unchecked((ulong)Get(tensors, key, RngField).item<long>());
            if (sequences.dtype != ScalarType.Float32 || sequences.dim() != 3 || sequences.shape[1] != tokens
                || sequences.shape[0] != Math.Min(seen, capacityValue))
            {
                throw new InvalidDataException(
                    $"block input stream '{key}' has inconsistent sequences [{string.Join(", ", sequences.shape)}] for {seen} seen");
            }

            var stream = new BlockInputReservoir(key[..at], tokens, sequences.shape[2], result.Capacity, new SplitMix64(state));
            stream.Restore(sequences, seen);
            result.streams[key] = stream;
        }

        return result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (gate)
        {
            foreach (var stream in streams.Values)
            {
                stream.Dispose();
            }

            streams.Clear();
        }
    }

    private static string StreamKey(string block, long tokens) => string.Create(CultureInfo.InvariantCulture, $"{block}@{tokens}");

    private static string Key(string stream, string field) => $"{Prefix}{stream}/{field}";

    private static Tensor Get(IReadOnlyDictionary<string, Tensor> tensors, string stream, string field) =>
        tensors.TryGetValue(Key(stream, field), out var value) && value.dtype == ScalarType.Int64 && value.numel() == 1
            ? value
            : throw new InvalidDataException($"{Key(stream, field)} (int64 [1]) is missing or malformed");
}

/// <summary>The sampled input sequences of one block at one sequence length.</summary>
public sealed class BlockInputReservoir : IDisposable
{
    private readonly SplitMix64 random;
    private Tensor sequences;

    internal BlockInputReservoir(string block, long tokens, long width, int capacity, SplitMix64 random)
    {
        Block = block;
        Tokens = tokens;
        Width = width;
        Capacity = capacity;
        this.random = random;
        sequences = zeros(capacity, tokens, width, ScalarType.Float32).DetachFromDisposeScope();
    }

    /// <summary>The block whose inputs these are ("encoder.blocks.0").</summary>
    public string Block { get; }

    /// <summary>N, the sequence length (tokens per sequence).</summary>
    public long Tokens { get; }

    /// <summary>D, the token width.</summary>
    public long Width { get; }

    /// <summary>Most sequences kept.</summary>
    public int Capacity { get; }

    /// <summary>Sequences observed so far.</summary>
    public long SequencesSeen { get; private set; }

    /// <summary>Sequences kept: min(seen, capacity).</summary>
    public int Count => (int)Math.Min(SequencesSeen, Capacity);

    internal ulong RandomState => random.State;

    /// <summary>float32 [Count, N, D] on the CPU: the kept sequences in slot order (a copy).</summary>
    public Tensor Sequences() => sequences.narrow(0, 0, Count).clone();

    /// <inheritdoc/>
    public void Dispose() => sequences.Dispose();

    /// <summary>Algorithm R over sequences, as the token reservoirs do over tokens.</summary>
    internal void Add(Tensor batch)
    {
        long count = batch.shape[0];
        var sourceOfSlot = new Dictionary<long, long>();
        for (long b = 0; b < count; b++)
        {
            long global = SequencesSeen + b;
            if (global < Capacity)
            {
                sourceOfSlot[global] = b;
                continue;
            }

            ulong draw = random.NextBelow((ulong)global + 1);
            if (draw < (ulong)Capacity)
            {
                sourceOfSlot[(long)draw] = b;
            }
        }

        SequencesSeen += count;
        if (sourceOfSlot.Count == 0)
        {
            return;
        }

        using var scope = NewDisposeScope();
        var slots = tensor(sourceOfSlot.Keys.ToArray(), ScalarType.Int64);
        var sources = tensor(sourceOfSlot.Values.ToArray(), ScalarType.Int64, batch.device);
        sequences.index_copy_(0, slots, batch.index_select(0, sources).cpu());
    }

    internal void Restore(Tensor kept, long seen)
    {
        SequencesSeen = seen;
        sequences.narrow(0, 0, Count).copy_(kept);
    }
}
