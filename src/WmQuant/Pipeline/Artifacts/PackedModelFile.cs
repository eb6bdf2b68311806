using WmQuant.IO.Safetensors;
using WmQuant.Models;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using static TorchSharp.torch;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>
/// Writes a quantized model as one safetensors file: each quantized Linear as pack-quantized tensors
/// (weight_packed, weight_scale, weight_zero_point, weight_shape) with its settings in the metadata, every other tensor as is.
/// </summary>
public static class PackedModelFile
{
    /// <summary>Writes the file and returns its sizes.</summary>
    public static SizeInfo Write(string path, DinoWorldModel model, IReadOnlyList<QuantizedLayer> layers, long fp32Bytes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layers);
        using var scope = NewDisposeScope();
        var tensors = new SortedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in model.state_dict())
        {
            tensors[name] = tensor;
        }

        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            [WorldModelCheckpoint.ConfigMetadataKey] = WorldModelConfigYaml.Serialize(model.Config),
        };
        long quantizedWeights = 0, storageBits = 0;
        foreach (var layer in layers.Where(l => l.Codes is not null))
        {
            using var packed = WeightPacker.Pack(layer.Codes!);
            tensors.Remove(layer.Name + ".weight");
            foreach (var (name, tensor) in packed.ToTensors(layer.Name))
            {
                tensors[name] = tensor.clone();
            }

            foreach (var (key, value) in QuantizationMetadata.ToMetadata(packed.Config, "quantization." + layer.Name))
            {
                metadata[key] = value;
            }

            quantizedWeights += packed.Rows * packed.Columns;
            storageBits += packed.StorageBits;
        }

        SafetensorsTorch.Save(path, tensors, metadata);
        long packedBytes = tensors.Values.Sum(t => t.numel() * t.element_size());
        return new SizeInfo(
            fp32Bytes,
            packedBytes,
            quantizedWeights,
            quantizedWeights == 0 ? 32 : Math.Round((double)storageBits / quantizedWeights, 4),
            Math.Round((double)fp32Bytes / packedBytes, 3));
    }
}
