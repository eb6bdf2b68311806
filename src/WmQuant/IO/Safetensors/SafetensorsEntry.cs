namespace WmQuant.IO.Safetensors;

/// <summary>
/// One tensor to write: raw little-endian, row-major bytes plus the dtype and shape that
/// interpret them. <see cref="SafetensorsWriter"/> checks that the byte count matches.
/// </summary>
/// <param name="Name">Header key (state-dict name); must be unique and not <c>__metadata__</c>.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first; empty for a scalar.</param>
/// <param name="Data">Exactly element count × element size bytes.</param>
public sealed record SafetensorsEntry(string Name, SafetensorsDType DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>Builds an entry from typed elements (float, Half, sbyte, int, long, ...); copies them.</summary>
    public static SafetensorsEntry FromElements<T>(string name, SafetensorsDType dtype, long[] shape, ReadOnlySpan<T> elements)
        where T : unmanaged =>
        new(name, dtype, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(elements).ToArray());
}
