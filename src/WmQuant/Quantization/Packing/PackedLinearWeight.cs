using System.Runtime.InteropServices;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Packing;

/// <summary>
/// A quantized Linear weight as stored in an artifact, following compressed-tensors' "pack-quantized"
/// convention: <c>weight_packed</c> int32 [N, ⌈K·b/32⌉], <c>weight_scale</c> [N, groups] in the configured
/// scale precision (fp16 by default), <c>weight_zero_point</c> uint8 [N, groups] when asymmetric, and
/// <c>weight_shape</c> int64 [N, K]. Owns its tensors (CPU).
/// </summary>
/// <remarks>
/// Stored codes are unsigned: symmetric signed codes q are stored as q + 2^(b−1) (so 1..2^b−1), asymmetric
/// codes as they are. The bit layout is documented on the packer (<see cref="WeightPacker"/>). Scale shapes:
/// per-tensor [1, 1], per-channel [N, 1], per-group [N, ⌈K/G⌉]. Zero points are plain uint8 (not bit-packed,
/// unlike some compressed-tensors versions): at most 8 bits per group.
/// </remarks>
public sealed class PackedLinearWeight : IDisposable
{
    /// <summary>Name suffix of the packed codes.</summary>
    public const string PackedName = "weight_packed";

    /// <summary>Name suffix of the scales.</summary>
    public const string ScaleName = "weight_scale";

    /// <summary>Name suffix of the zero points (asymmetric only).</summary>
    public const string ZeroPointName = "weight_zero_point";

    /// <summary>Name suffix of the original shape [N, K].</summary>
    public const string ShapeName = "weight_shape";

    internal PackedLinearWeight(Tensor weightPacked, Tensor weightScale, Tensor? weightZeroPoint, long rows, long columns, WeightQuantConfig config)
    {
        WeightPacked = weightPacked;
        WeightScale = weightScale;
        WeightZeroPoint = weightZeroPoint;
        WeightShape = tensor(new[] { rows, columns }, ScalarType.Int64);
        Config = config;
    }

    /// <summary>int32 [N, ⌈K·b/32⌉] packed unsigned codes.</summary>
    public Tensor WeightPacked { get; }

    /// <summary>Scales in the stored precision (float16 or float32).</summary>
    public Tensor WeightScale { get; }

    /// <summary>uint8 zero points shaped like the scales; null when symmetric.</summary>
    public Tensor? WeightZeroPoint { get; }

    /// <summary>int64 [2]: N, K.</summary>
    public Tensor WeightShape { get; }

    /// <summary>Configuration the codes were made with (bits and group size are not recoverable from shapes alone).</summary>
    public WeightQuantConfig Config { get; }

    /// <summary>N.</summary>
    public long Rows => WeightShape[0].item<long>();

    /// <summary>K.</summary>
    public long Columns => WeightShape[1].item<long>();

    /// <summary>Bits of storage for codes, scales and zero points (not the 16-byte shape).</summary>
    public long StorageBits =>
        (WeightPacked.numel() * 32)
        + (WeightScale.numel() * (WeightScale.dtype == ScalarType.Float16 ? 16 : 32))
        + ((WeightZeroPoint?.numel() ?? 0) * 8);

    /// <summary>Storage bits per weight: packed codes (with row padding) plus scales and zero points, over N·K.</summary>
    public double EffectiveBitsPerWeight => (double)StorageBits / (Rows * Columns);

    /// <summary>The tensors under their artifact names, "<paramref name="prefix"/>.weight_packed" and so on.</summary>
    public IReadOnlyDictionary<string, Tensor> ToTensors(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [Key(prefix, PackedName)] = WeightPacked,
            [Key(prefix, ScaleName)] = WeightScale,
            [Key(prefix, ShapeName)] = WeightShape,
        };
        if (WeightZeroPoint is not null)
        {
            tensors[Key(prefix, ZeroPointName)] = WeightZeroPoint;
        }

        return tensors;
    }

    /// <summary>
    /// Reads a packed weight back from artifact tensors; <paramref name="config"/> comes from the artifact's
    /// quantization metadata. The tensors are copied, so the dictionary keeps ownership of its own.
    /// </summary>
    /// <exception cref="InvalidDataException">A tensor is missing or its dtype or shape contradicts the config; the message names it.</exception>
    public static PackedLinearWeight FromTensors(IReadOnlyDictionary<string, Tensor> tensors, string prefix, WeightQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(config);
        if (config.IsBypass)
        {
            throw new ArgumentException("A 16-bit (bypass) weight is stored unpacked.", nameof(config));
        }

        var shape = Required(tensors, prefix, ShapeName, ScalarType.Int64);
        if (shape.numel() != 2)
        {
            throw new InvalidDataException($"{Key(prefix, ShapeName)} must hold 2 values [N, K], has {shape.numel()}.");
        }

        long rows = shape[0].item<long>();
        long columns = shape[1].item<long>();
        if (rows < 1 || columns < 1)
        {
            throw new InvalidDataException($"{Key(prefix, ShapeName)} = [{rows}, {columns}] is not a valid weight shape.");
        }

        var packed = Required(tensors, prefix, PackedName, ScalarType.Int32);
        ExpectShape(packed, [rows, BitStreamPacking.WordsPerRow(columns, config.Bits)], Key(prefix, PackedName), config);
        var scaleType = config.ScaleStorage == ScaleStorage.Float16 ? ScalarType.Float16 : ScalarType.Float32;
        var scale = Required(tensors, prefix, ScaleName, scaleType);
        long[] scaleShape = WeightGrouping.ScaleShape(rows, columns, config);
        ExpectShape(scale, scaleShape, Key(prefix, ScaleName), config);
        Tensor? zero = null;
        if (!config.Symmetric)
        {
            zero = Required(tensors, prefix, ZeroPointName, ScalarType.Byte);
            ExpectShape(zero, scaleShape, Key(prefix, ZeroPointName), config);
        }
        else if (tensors.ContainsKey(Key(prefix, ZeroPointName)))
        {
            throw new InvalidDataException($"{Key(prefix, ZeroPointName)} is present but the configuration ({config}) is symmetric.");
        }

        return new PackedLinearWeight(packed.cpu().clone(), scale.cpu().clone(), zero?.cpu().clone(), rows, columns, config);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        WeightPacked.Dispose();
        WeightScale.Dispose();
        WeightZeroPoint?.Dispose();
        WeightShape.Dispose();
    }

    internal static string Key(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    internal static uint[] Words(Tensor packed) => MemoryMarshal.Cast<int, uint>(packed.contiguous().data<int>().ToArray().AsSpan()).ToArray();

    private static Tensor Required(IReadOnlyDictionary<string, Tensor> tensors, string prefix, string name, ScalarType dtype)
    {
        string key = Key(prefix, name);
        if (!tensors.TryGetValue(key, out var value))
        {
            throw new InvalidDataException($"Tensor {key} is missing.");
        }

        return value.dtype == dtype ? value : throw new InvalidDataException($"Tensor {key} has dtype {value.dtype}; expected {dtype}.");
    }

    private static void ExpectShape(Tensor value, long[] expected, string key, WeightQuantConfig config)
    {
        if (!value.shape.SequenceEqual(expected))
        {
            throw new InvalidDataException($"Tensor {key} has shape [{string.Join(", ", value.shape)}]; {config} expects [{string.Join(", ", expected)}].");
        }
    }
}
