using System.Globalization;
using System.Runtime.InteropServices;
using WmQuant.Quantization.Primitives;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Packing;

/// <summary>
/// A quantized Linear weight [N, K] as stored in an artifact, in compressed-tensors' "pack-quantized" form (so other
/// tools read it): <c>weight_packed</c> int32 [N, ⌈K/f⌉] with f = ⌊32/b⌋, <c>weight_scale</c> in the configured
/// scale precision (fp16 by default) shaped [N, ⌈K/G⌉] per group, [N, 1] per channel and [1] per tensor, the
/// asymmetric <c>weight_zero_point</c>, and <c>weight_shape</c> int64 [2] = [N, K]. Owns its tensors (CPU).
/// </summary>
/// <remarks>
/// <para>Codes: compressed-tensors stores a signed code q ∈ [−2^(b−1), 2^(b−1)−1] as the unsigned field q + 2^(b−1).
/// Symmetric codes here are signed (−qmax..qmax) and stored the same way. Asymmetric codes here are unsigned
/// u ∈ 0..2^b−1 with an unsigned zero point z; their signed form is u − 2^(b−1) with zero point z − 2^(b−1), so the
/// stored field is u itself and (q − zp)·s = (u − z)·s: values are preserved exactly.</para>
/// <para>Zero points (asymmetric only), as compressed-tensors' pack-quantized compressor stores them: per group or
/// channel, the signed zero points z − 2^(b−1) are packed like the codes but along the output rows (packed_dim 0):
/// int32 [⌈N/f⌉, groups], field z of row r in word ⌊r/f⌋ at bits (r mod f)·b. Per tensor they are not packed:
/// int8 [1] holding z − 2^(b−1).</para>
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

    /// <summary>int32 [N, ⌈K/⌊32/b⌋⌉] packed codes.</summary>
    public Tensor WeightPacked { get; }

    /// <summary>Scales in the stored precision (float16 or float32): [N, groups], [N, 1] or [1].</summary>
    public Tensor WeightScale { get; }

    /// <summary>Zero points: int32 [⌈N/⌊32/b⌋⌉, groups] packed along rows, or int8 [1] per tensor; null when symmetric.</summary>
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
        + ((WeightZeroPoint?.numel() ?? 0) * (WeightZeroPoint?.dtype == ScalarType.Int8 ? 8 : 32));

    /// <summary>Storage bits per weight: packed codes (with word and row padding) plus scales and zero points, over N·K.</summary>
    public double EffectiveBitsPerWeight => (double)StorageBits / (Rows * Columns);

    /// <summary>Shape of <c>weight_packed</c> for a weight [rows, columns] at <paramref name="bits"/>.</summary>
    public static long[] PackedShape(long rows, long columns, int bits) => [rows, Int32Packing.PackedLength(columns, bits)];

    /// <summary>Shape of the stored <c>weight_scale</c>: [1] per tensor, [N, 1] per channel, [N, ⌈K/G⌉] per group.</summary>
    public static long[] StoredScaleShape(long rows, long columns, WeightQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Granularity == WeightGranularity.PerTensor ? [1] : WeightGrouping.ScaleShape(rows, columns, config);
    }

    /// <summary>Shape and dtype of the stored <c>weight_zero_point</c>, or null when the configuration is symmetric.</summary>
    public static (long[] Shape, ScalarType Dtype)? ZeroPointLayout(long rows, long columns, WeightQuantConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Symmetric)
        {
            return null;
        }

        return config.Granularity == WeightGranularity.PerTensor
            ? ([1], ScalarType.Int8)
            : ([Int32Packing.PackedLength(rows, config.Bits), config.GroupsPerRow(columns)], ScalarType.Int32);
    }

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
    /// Reads a packed weight back from artifact tensors (copies: the dictionary keeps its own). <paramref name="config"/>
    /// comes from the artifact's quantization config.
    /// </summary>
    /// <exception cref="InvalidDataException">Any problem <see cref="Read"/> finds; the message names every tensor at fault.</exception>
    public static PackedLinearWeight FromTensors(IReadOnlyDictionary<string, Tensor> tensors, string prefix, WeightQuantConfig config)
    {
        var problems = new List<string>();
        return Read(tensors, prefix, config, problems) ?? throw new InvalidDataException(string.Join("; ", problems));
    }

    /// <summary>
    /// Reads and checks a packed weight: every tensor present with its dtype and shape (from <c>weight_shape</c> and
    /// the config), scales finite and positive, zero points within the b-bit signed range, and every padding bit of
    /// the packed codes and zero points zero. Adds one line per problem, naming the tensor, and returns null if any.
    /// </summary>
    public static PackedLinearWeight? Read(
        IReadOnlyDictionary<string, Tensor> tensors, string prefix, WeightQuantConfig config, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(problems);
        if (config.IsBypass)
        {
            throw new ArgumentException("A 16-bit (bypass) weight is stored unpacked.", nameof(config));
        }

        int before = problems.Count;
        var shape = Required(tensors, prefix, ShapeName, ScalarType.Int64, problems);
        var packed = Required(tensors, prefix, PackedName, ScalarType.Int32, problems);
        var scaleType = config.ScaleStorage == ScaleStorage.Float16 ? ScalarType.Float16 : ScalarType.Float32;
        var scale = Required(tensors, prefix, ScaleName, scaleType, problems);
        var zeroLayout = ZeroPointLayout(1, 1, config);
        var zero = zeroLayout is { } layout ? Required(tensors, prefix, ZeroPointName, layout.Dtype, problems) : null;
        if (zeroLayout is null && tensors.ContainsKey(Key(prefix, ZeroPointName)))
        {
            problems.Add($"{Key(prefix, ZeroPointName)} is present but the configuration ({config}) is symmetric");
        }

        if (shape is null)
        {
            return null;
        }

        if (shape.numel() != 2)
        {
            problems.Add($"{Key(prefix, ShapeName)} must hold 2 values [N, K], has {shape.numel()}");
            return null;
        }

        long rows = shape[0].item<long>();
        long columns = shape[1].item<long>();
        if (rows < 1 || columns < 1 || rows > int.MaxValue || columns > int.MaxValue)
        {
            problems.Add($"{Key(prefix, ShapeName)} = [{rows}, {columns}] is not a valid weight shape");
            return null;
        }

        if (packed is not null && ExpectShape(packed, PackedShape(rows, columns, config.Bits), Key(prefix, PackedName), config, problems)
            && Int32Packing.FirstPaddingViolationInRows(Words(packed), rows, columns, config.Bits) is { } badCode)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{Key(prefix, PackedName)}[{badCode.Row}, {badCode.Word}] has padding bits set " +
                $"({Padding(config.Bits)}, or fields past K = {columns}, must be zero)"));
        }

        if (scale is not null && ExpectShape(scale, StoredScaleShape(rows, columns, config), Key(prefix, ScaleName), config, problems))
        {
            CheckScales(scale, Key(prefix, ScaleName), problems);
        }

        if (zero is not null && ExpectShape(zero, ZeroPointLayout(rows, columns, config)!.Value.Shape, Key(prefix, ZeroPointName), config, problems))
        {
            CheckZeroPoints(zero, rows, config, Key(prefix, ZeroPointName), problems);
        }

        return problems.Count > before
            ? null
            : new PackedLinearWeight(packed!.cpu().clone(), scale!.cpu().clone(), zero?.cpu().clone(), rows, columns, config);
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

    internal static uint[] Words(Tensor packed) => MemoryMarshal.Cast<int, uint>(packed.cpu().contiguous().data<int>().ToArray().AsSpan()).ToArray();

    private static void CheckScales(Tensor scale, string key, ICollection<string> problems)
    {
        float[] values = scale.cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        int bad = 0;
        int first = -1;
        for (int i = 0; i < values.Length; i++)
        {
            if (!(values[i] > 0) || !float.IsFinite(values[i]))
            {
                bad++;
                first = first < 0 ? i : first;
            }
        }

        if (bad > 0)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{key}{Index(scale.shape, first)} = {values[first]} is not a finite positive scale ({bad} of {values.Length} values are not)"));
        }
    }

    private static void CheckZeroPoints(Tensor zero, long rows, WeightQuantConfig config, string key, ICollection<string> problems)
    {
        if (zero.dtype == ScalarType.Int8)
        {
            int value = zero.cpu().data<sbyte>()[0];
            int lowest = -(1 << (config.Bits - 1));
            int highest = (1 << (config.Bits - 1)) - 1;
            if (value < lowest || value > highest)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{key} = {value} is outside the signed {config.Bits}-bit range [{lowest}, {highest}]"));
            }

            return;
        }

        if (Int32Packing.FirstPaddingViolationInColumns(Words(zero), rows, zero.shape[1], config.Bits) is { } bad)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{key}[{bad.Row}, {bad.Column}] has padding bits set ({Padding(config.Bits)}, or fields past N = {rows}, must be zero)"));
        }
    }

    private static string Padding(int bits) =>
        string.Create(CultureInfo.InvariantCulture, $"bits past the {Int32Packing.PackFactor(bits)} {bits}-bit fields of a word");

    private static string Index(long[] shape, int flat)
    {
        var index = new long[shape.Length];
        long rest = flat;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = rest % shape[d];
            rest /= shape[d];
        }

        return "[" + string.Join(", ", index) + "]";
    }

    private static Tensor? Required(
        IReadOnlyDictionary<string, Tensor> tensors, string prefix, string name, ScalarType dtype, ICollection<string> problems)
    {
        string key = Key(prefix, name);
        if (!tensors.TryGetValue(key, out var value))
        {
            problems.Add($"{key} is missing");
            return null;
        }

        if (value.dtype != dtype)
        {
            problems.Add($"{key} has dtype {value.dtype}; expected {dtype}");
            return null;
        }

        return value;
    }

    private static bool ExpectShape(Tensor value, long[] expected, string key, WeightQuantConfig config, ICollection<string> problems)
    {
        if (value.shape.SequenceEqual(expected))
        {
            return true;
        }

        problems.Add($"{key} has shape [{string.Join(", ", value.shape)}]; {config} expects [{string.Join(", ", expected)}]");
        return false;
    }
}
