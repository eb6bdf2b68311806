namespace WmQuant.IO.Safetensors;

/// <summary>
/// The element types this toolkit reads and writes. The set is deliberately the one the
/// pipeline needs (weights, packed integers, masks); a file using another dtype is rejected
/// on open with a message naming it rather than half-loaded.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>IEEE 754 binary32, the full-precision weight format.</summary>
    F32,

    /// <summary>IEEE 754 binary16; quantization scales are stored this way.</summary>
    F16,

    /// <summary>bfloat16 (the upper half of a binary32); common in upstream checkpoints.</summary>
    BF16,

    /// <summary>Signed 8-bit integer (W8 weights).</summary>
    I8,

    /// <summary>Unsigned 8-bit integer (raw bytes, images).</summary>
    U8,

    /// <summary>Signed 32-bit integer; packed low-bit weights use it.</summary>
    I32,

    /// <summary>Signed 64-bit integer (indices, shapes stored as tensors).</summary>
    I64,

    /// <summary>One byte per element, 0 or 1 (masks).</summary>
    Bool,
}

/// <summary>Facts about <see cref="SafetensorsDType"/> that the format fixes: size, JSON spelling, write order.</summary>
public static class SafetensorsDTypes
{
    private static readonly SafetensorsDType[] AllTypes =
    [
        SafetensorsDType.F32, SafetensorsDType.F16, SafetensorsDType.BF16, SafetensorsDType.I8,
        SafetensorsDType.U8, SafetensorsDType.I32, SafetensorsDType.I64, SafetensorsDType.Bool,
    ];

    /// <summary>Every supported dtype, in declaration order (for tests and messages).</summary>
    public static IReadOnlyList<SafetensorsDType> All => AllTypes;

    /// <summary>Bytes per element; the format stores elements densely, little-endian, row-major.</summary>
    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => 4,
        SafetensorsDType.F16 => 2,
        SafetensorsDType.BF16 => 2,
        SafetensorsDType.I8 => 1,
        SafetensorsDType.U8 => 1,
        SafetensorsDType.I32 => 4,
        SafetensorsDType.I64 => 8,
        SafetensorsDType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>The spelling in the header's "dtype" field (upper case, as the reference writes it).</summary>
    public static string ToJsonName(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => "F32",
        SafetensorsDType.F16 => "F16",
        SafetensorsDType.BF16 => "BF16",
        SafetensorsDType.I8 => "I8",
        SafetensorsDType.U8 => "U8",
        SafetensorsDType.I32 => "I32",
        SafetensorsDType.I64 => "I64",
        SafetensorsDType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };

    /// <summary>Parses a header "dtype" value; exact and case-sensitive, as the reference is.</summary>
    public static bool TryParseJsonName(string? name, out SafetensorsDType dtype)
    {
        foreach (var candidate in AllTypes)
        {
            if (string.Equals(candidate.ToJsonName(), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }

        dtype = default;
        return false;
    }

    /// <summary>"F32, F16, ..." for error messages that list what would have been accepted.</summary>
    public static string SupportedJsonNames => string.Join(", ", AllTypes.Select(t => t.ToJsonName()));

    /// <summary>
    /// Rank in the reference implementation's dtype order (BOOL lowest, I64 highest). The writer
    /// lays tensors out by descending rank so every tensor starts aligned to its element size,
    /// and so our bytes equal the reference's for the same input.
    /// </summary>
    internal static int ReferenceOrderRank(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool => 0,
        SafetensorsDType.U8 => 1,
        SafetensorsDType.I8 => 2,
        SafetensorsDType.F16 => 3,
        SafetensorsDType.BF16 => 4,
        SafetensorsDType.I32 => 5,
        SafetensorsDType.F32 => 6,
        SafetensorsDType.I64 => 7,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype"),
    };
}
