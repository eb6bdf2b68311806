using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.IO.Safetensors;

/// <summary>
/// Loads and saves TorchSharp state dicts as safetensors, mapping dtypes one to one
/// (F16 ↔ Float16, BF16 ↔ BFloat16, BOOL ↔ Bool, U8 ↔ Byte, ...), so a checkpoint written
/// by PyTorch's <c>safetensors.torch.save_file</c> loads here with the same values and back.
/// </summary>
public static class SafetensorsTorch
{
    /// <summary>
    /// Reads every tensor of <paramref name="path"/> (a .safetensors file, or the index of a sharded checkpoint: see
    /// <see cref="SafetensorsShardSet"/>) into a new tensor of the matching scalar type, on the CPU or moved to
    /// <paramref name="device"/>. The caller owns (disposes) them; they belong to the caller's dispose scope if one is open.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null)
    {
        using var set = SafetensorsShardSet.Open(path);
        return Load(set, device);
    }

    /// <summary>
    /// Reads every tensor of an opened checkpoint (one file or shards); same conversions and ownership as
    /// <see cref="Load(string, Device?)"/>.
    /// </summary>
    public static Dictionary<string, Tensor> Load(SafetensorsShardSet set, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        var loaded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var info in set.Tensors)
            {
                loaded.Add(info.Name, ReadTensor(set.FileOf(info.Name), info.Name, device));
            }

            return loaded;
        }
        catch
        {
            foreach (var tensor in loaded.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }

    /// <summary>Reads one tensor (for loading part of a checkpoint); same conversions as <see cref="Load(string, Device?)"/>.</summary>
    public static Tensor ReadTensor(SafetensorsFile file, string name, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        RequireLittleEndian();
        var info = file.Get(name);
        if (info.ByteLength > int.MaxValue)
        {
            throw new NotSupportedException(
                $"{file.Path}: tensor '{name}' is {info.ByteLength} bytes; tensors over 2 GiB are not supported by this bridge");
        }

        if (info.DType == SafetensorsDType.Bool)
        {
            // Torch treats other byte values as undefined booleans; catch them at the boundary.
            var elements = file.GetSpan(name);
            var bad = elements.IndexOfAnyExcept((byte)0, (byte)1);
            if (bad >= 0)
            {
                throw new SafetensorsFormatException(file.Path, name,
                    $"BOOL element {bad} is {elements[bad]}; booleans must be stored as 0 or 1");
            }
        }

        var tensor = empty(info.Shape, ToScalarType(info.DType), CPU);
        try
        {
            if (info.ByteLength > 0)
            {
                file.GetSpan(name).CopyTo(tensor.bytes);
            }

            if (device is null || device.type == DeviceType.CPU)
            {
                return tensor;
            }

            var moved = tensor.to(device);
            tensor.Dispose();
            return moved;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> atomically. Views, transposes and GPU tensors are made
    /// contiguous on the CPU first (a copy only where needed), so each is saved as its logical
    /// values; contiguous CPU tensors are streamed from their storage without a copy.
    /// </summary>
    public static void Save(
        string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        RequireLittleEndian();
        using var scope = NewDisposeScope();
        var entries = new List<SafetensorsEntry>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, name);
            var dtype = ToDType(tensor.dtype);
            var dense = tensor.detach().to(CPU).contiguous();
            var length = checked(dense.numel() * dense.element_size());
            if (length > int.MaxValue)
            {
                throw new NotSupportedException($"tensor '{name}' is {length} bytes; tensors over 2 GiB are not supported by this bridge");
            }

            // Zero-copy: the writer reads the tensors' storage while the scope keeps them alive.
            entries.Add(new SafetensorsEntry(name, dtype, dense.shape, new TensorBytes(dense, (int)length).Memory));
        }

        SafetensorsWriter.Write(path, entries, metadata);
    }

    /// <summary>The entries <see cref="Save"/> writes, for callers that add non-torch entries or stream elsewhere.</summary>
    public static List<SafetensorsEntry> ToEntries(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        RequireLittleEndian();
        var entries = new List<SafetensorsEntry>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            entries.Add(ToEntry(name, tensor));
        }

        return entries;
    }

    /// <summary>One tensor as an entry: a contiguous CPU copy of its bytes.</summary>
    public static SafetensorsEntry ToEntry(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var dtype = ToDType(tensor.dtype);
        using var scope = NewDisposeScope();
        var dense = tensor.detach().to(CPU).contiguous();
        var bytes = dense.numel() == 0 ? [] : dense.bytes.ToArray();
        return new SafetensorsEntry(name, dtype, dense.shape, bytes);
    }

    /// <summary>The safetensors dtype for a scalar type; others (Float64, Int16, complex, quantized) are not stored by this toolkit.</summary>
    public static SafetensorsDType ToDType(ScalarType t) => t switch
    {
        ScalarType.Float32 => SafetensorsDType.F32,
        ScalarType.Float16 => SafetensorsDType.F16,
        ScalarType.BFloat16 => SafetensorsDType.BF16,
        ScalarType.Int8 => SafetensorsDType.I8,
        ScalarType.Byte => SafetensorsDType.U8,
        ScalarType.Int32 => SafetensorsDType.I32,
        ScalarType.Int64 => SafetensorsDType.I64,
        ScalarType.Bool => SafetensorsDType.Bool,
        _ => throw new NotSupportedException(
            $"scalar type {t} has no safetensors dtype here (supported: {SafetensorsDTypes.SupportedJsonNames}); convert the tensor first"),
    };

    /// <summary>The scalar type a loaded tensor of this dtype gets.</summary>
    public static ScalarType ToScalarType(SafetensorsDType d) => d switch
    {
        SafetensorsDType.F32 => ScalarType.Float32,
        SafetensorsDType.F16 => ScalarType.Float16,
        SafetensorsDType.BF16 => ScalarType.BFloat16,
        SafetensorsDType.I8 => ScalarType.Int8,
        SafetensorsDType.U8 => ScalarType.Byte,
        SafetensorsDType.I32 => ScalarType.Int32,
        SafetensorsDType.I64 => ScalarType.Int64,
        SafetensorsDType.Bool => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, "not a safetensors dtype"),
    };

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported");
        }
    }
}
