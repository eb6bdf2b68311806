namespace WmQuant.IO.Safetensors;

/// <summary>A parsed and validated header: the free-form metadata and the tensors in file order.</summary>
internal sealed record SafetensorsHeader(
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<SafetensorsTensorInfo> Tensors);
