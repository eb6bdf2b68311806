using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// A contiguous CPU tensor's storage seen as <see cref="Memory{T}"/>, so saving a state dict
/// streams tensor memory straight to the file instead of first copying every tensor into a
/// managed array. The tensor must stay alive (and unchanged) while the memory is used.
/// </summary>
internal sealed unsafe class TensorBytes : MemoryManager<byte>
{
    private readonly Tensor _tensor;
    private readonly int _length;

    public TensorBytes(Tensor contiguousCpuTensor, int length)
    {
        _tensor = contiguousCpuTensor;
        _length = length;
    }

    public override Span<byte> GetSpan() => _length == 0 ? [] : _tensor.bytes[.._length];

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        // Native tensor storage never moves, so "pinning" is just handing out the address.
        var start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(GetSpan()));
        return new MemoryHandle(start + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        // The tensor belongs to the caller's dispose scope.
    }
}
