using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO.Safetensors;
using WmQuant.Naming;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>One quantized layer of an artifact as stored: its settings from config.json and the bytes of its tensors.</summary>
/// <param name="Name">Layer name (the compressed-tensors target).</param>
/// <param name="Bits">Weight bits, or null when only the input is quantized.</param>
/// <param name="Strategy">compressed-tensors' weight strategy (tensor, channel, group), or null without weights.</param>
/// <param name="GroupSize">Inputs per group, for strategy group only.</param>
/// <param name="Symmetric">Symmetric weight codes (no zero point), or null without weights.</param>
/// <param name="InputActivations">"none", or "A8 per-token" / "A8 per-tensor" with "asym" when asymmetric.</param>
/// <param name="ScaleDtype">The stored weight scale's dtype (from the weights' header), or null without weights.</param>
/// <param name="PackedBytes">Bytes of the layer's stored tensors: packed codes, scales, zero points, shape, input scale and zero point.</param>
/// <param name="Method">The method that chose the codes and ranges (config.json's wmq method; one per artifact).</param>
/// <param name="WeightMse">Mean squared weight error, from the manifest; null without one (config.json does not carry it).</param>
/// <param name="OutputMse">Mean squared output error on held-out calibration inputs, from the manifest, when the run measured it.</param>
/// <param name="RelativeOutputError">That output error relative to the float output's energy, when measured.</param>
public sealed record ArtifactLayerRow(
    string Name, int? Bits, string? Strategy, int? GroupSize, bool? Symmetric, string InputActivations, string? ScaleDtype, long PackedBytes,
    string Method, double? WeightMse = null, double? OutputMse = null, double? RelativeOutputError = null);

/// <summary>
/// What an artifact's model files say, layer by layer, in the manner of ModelOpt's <c>print_quant_summary</c>: read from
/// config.json and the safetensors headers alone (no tensor is loaded), so it describes any artifact folder, with or
/// without a manifest; the errors measured when it was quantized are only in the manifest, so they are added when one is given.
/// </summary>
/// <param name="QuantMethod">config.json's quant_method (compressed-tensors).</param>
/// <param name="Format">Its format (pack-quantized).</param>
/// <param name="Method">wmq's method (rtn, omse, awq, gptq).</param>
/// <param name="Layers">Quantized layers in model order.</param>
/// <param name="Ignored">Quantizable layers kept in float.</param>
/// <param name="QuantizedLayerBytes">Bytes of the quantized layers' tensors.</param>
/// <param name="TotalTensorBytes">Bytes of every tensor in the weight files (float parameters included).</param>
public sealed record ArtifactQuantizationSummary(
    string QuantMethod, string Format, string Method, IReadOnlyList<ArtifactLayerRow> Layers, IReadOnlyList<string> Ignored, long QuantizedLayerBytes, long TotalTensorBytes)
{
    private static readonly string[] LayerTensors =
    [
        PackedLinearWeight.PackedName, PackedLinearWeight.ScaleName, PackedLinearWeight.ZeroPointName, PackedLinearWeight.ShapeName,
        QuantizedModelArtifact.InputScaleName, QuantizedModelArtifact.InputZeroPointName,
    ];

    /// <summary>
    /// The summary of the artifact in <paramref name="folder"/>, with the per-layer errors <paramref name="manifest"/> records
    /// (matched by layer name), or a diagnostic at the file that cannot be read.
    /// </summary>
    public static (ArtifactQuantizationSummary? Summary, Diagnostic? Problem) Read(string folder, ArtifactManifest? manifest = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var (description, problem) = ArtifactConfigFile.Read(folder);
        if (description is null)
        {
            return (null, problem);
        }

        var (files, missing) = QuantizedModelArtifact.ModelFiles(folder);
        if (missing is not null)
        {
            return (null, Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, folder, missing));
        }

        string weights = Path.Combine(folder, files.Contains(QuantizedModelArtifact.IndexFileName) ? QuantizedModelArtifact.IndexFileName : QuantizedModelArtifact.WeightsFileName);
        Dictionary<string, SafetensorsTensorInfo> tensors;
        try
        {
            using var set = SafetensorsShardSet.Open(weights);
            tensors = set.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is SafetensorsFormatException or IOException or UnauthorizedAccessException)
        {
            return (null, Diagnostic.FileError(DiagnosticCodes.ModelUnreadable, weights, $"the weights' header cannot be read: {e.Message}"));
        }

        var config = description.Quantization;
        var measured = manifest?.Quantization.Layers.GroupBy(l => l.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var rows = config.Layers.Select(l => Row(l, tensors, config.Method, measured?.GetValueOrDefault(l.Name))).ToList();
        var summary = new ArtifactQuantizationSummary(
            ArtifactQuantizationConfig.QuantMethod,
            ArtifactQuantizationConfig.Format,
            config.Method,
            rows,
            config.Ignore,
            rows.Sum(r => r.PackedBytes),
            tensors.Values.Sum(t => t.ByteLength));
        return (summary, null);
    }

    private static ArtifactLayerRow Row(ArtifactLayerSpec layer, Dictionary<string, SafetensorsTensorInfo> tensors, string method, LayerEntry? measured)
    {
        long bytes = LayerTensors.Sum(suffix => tensors.TryGetValue($"{layer.Name}.{suffix}", out var t) ? t.ByteLength : 0);
        var w = layer.Weights;
        string? scale = w is null ? null
            : tensors.TryGetValue($"{layer.Name}.{PackedLinearWeight.ScaleName}", out var s) ? DtypeName(s.DType) : "missing";
        return new ArtifactLayerRow(
            layer.Name,
            w?.Bits,
            w is null ? null : Strategy(w.Granularity),
            w is { Granularity: WeightGranularity.PerGroup } ? w.GroupSize : null,
            w?.Symmetric,
            layer.Activations is { } a ? $"A{a.Bits} {Names.Of(a.Granularity)}{(a.Symmetric ? "" : " asym")}" : "none",
            scale,
            bytes,
            method,
            measured?.WeightMse,
            measured?.OutputMse,
            measured?.RelativeOutputError);
    }

    /// <summary>compressed-tensors' strategy names.</summary>
    private static string Strategy(WeightGranularity granularity) => granularity switch
    {
        WeightGranularity.PerGroup => "group",
        WeightGranularity.PerChannel => "channel",
        _ => "tensor",
    };

    private static string DtypeName(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => "float32",
        SafetensorsDType.F16 => "float16",
        SafetensorsDType.BF16 => "bfloat16",
        _ => dtype.ToString().ToLowerInvariant(),
    };
}
