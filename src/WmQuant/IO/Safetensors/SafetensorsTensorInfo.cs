namespace WmQuant.IO.Safetensors;

/// <summary>
/// One tensor's header entry as validated on open. <see cref="Begin"/> and <see cref="End"/>
/// are byte offsets relative to the start of the data buffer (not the file), end exclusive.
/// </summary>
/// <param name="Name">The tensor's key in the header (a state-dict name).</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first; empty for a scalar.</param>
/// <param name="Begin">First byte, relative to the data buffer.</param>
/// <param name="End">One past the last byte, relative to the data buffer.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar, 0 when any dimension is 0).</summary>
    public long ElementCount => SafetensorsShape.ElementCount(Shape);

    /// <summary>Bytes the tensor occupies; equals <c>End - Begin</c> for every validated entry.</summary>
    public long ByteLength => End - Begin;

    /// <summary>Compares shapes by value; a record would otherwise compare the array references.</summary>
    public bool Equals(SafetensorsTensorInfo? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && DType == other.DType
        && Shape.AsSpan().SequenceEqual(other.Shape)
        && Begin == other.Begin
        && End == other.End;

    /// <summary>Consistent with the value equality above.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name, StringComparer.Ordinal);
        hash.Add(DType);
        foreach (var dimension in Shape)
        {
            hash.Add(dimension);
        }

        hash.Add(Begin);
        hash.Add(End);
        return hash.ToHashCode();
    }

    /// <summary>Readable in logs and test failures: <c>name: F32 [2, 3] bytes [0, 24)</c>.</summary>
    public override string ToString() =>
        $"{Name}: {DType.ToJsonName()} {SafetensorsShape.Format(Shape)} bytes [{Begin}, {End})";
}
