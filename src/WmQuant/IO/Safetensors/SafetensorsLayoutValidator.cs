namespace WmQuant.IO.Safetensors;

/// <summary>
/// Checks that the tensors tile the data buffer exactly: in offset order each begins where the
/// previous ended, the first at 0, the last at the buffer's end. Anything else (overlap, a gap,
/// data past the end, trailing bytes) means a corrupt or hand-edited file, and the reference
/// rejects all of them too.
/// </summary>
internal static class SafetensorsLayoutValidator
{
    /// <summary>Returns the tensors in file order, or throws naming the first offending tensor.</summary>
    public static IReadOnlyList<SafetensorsTensorInfo> Validate(
        string path, IEnumerable<SafetensorsTensorInfo> tensors, long dataLength)
    {
        var ordered = tensors
            .OrderBy(t => t.Begin)
            .ThenBy(t => t.End)
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

        long cursor = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var tensor in ordered)
        {
            if (tensor.End > dataLength)
            {
                throw new SafetensorsFormatException(path, tensor.Name,
                    $"data_offsets [{tensor.Begin}, {tensor.End}] end past the data buffer, which holds {dataLength} bytes (file truncated?)");
            }

            if (tensor.Begin < cursor)
            {
                throw new SafetensorsFormatException(path, tensor.Name,
                    $"data_offsets [{tensor.Begin}, {tensor.End}] overlap tensor '{previous!.Name}' at [{previous.Begin}, {previous.End}]");
            }

            if (tensor.Begin > cursor)
            {
                throw new SafetensorsFormatException(path, tensor.Name,
                    $"data_offsets [{tensor.Begin}, {tensor.End}] leave a gap: bytes [{cursor}, {tensor.Begin}) belong to no tensor; tensors must be contiguous from offset 0");
            }

            cursor = tensor.End;
            previous = tensor;
        }

        if (cursor != dataLength)
        {
            throw new SafetensorsFormatException(path, null,
                $"the data buffer holds {dataLength} bytes but the tensors end at {cursor}; {dataLength - cursor} trailing bytes belong to no tensor");
        }

        return ordered;
    }
}
