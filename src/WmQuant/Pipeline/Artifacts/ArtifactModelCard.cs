using System.Globalization;
using System.Text;
using WmQuant.Contract;
using WmQuant.Naming;
using WmQuant.Planning;
using WmQuant.Planning.Evaluation;

namespace WmQuant.Pipeline.Artifacts;

/// <summary>MODEL_CARD.md of an artifact: what the model is, how it was made, how well it plans, and how to reproduce it.</summary>
public static class ArtifactModelCard
{
    /// <summary>The card for a manifest.</summary>
    public static string Render(ArtifactManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var inv = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append(inv, $"# {manifest.Name} {manifest.Version}\n\n");
        s.Append(inv, $"**Gates: {Names.Of(manifest.Status).ToUpperInvariant()}.** A {manifest.Quantization.Summary} quantization of `{manifest.Model.Path}` ");
        s.Append(inv, $"(SHA-256 `{manifest.Model.Sha256}`), made by {manifest.Tool.Name} {manifest.Tool.Version} from recipe `{manifest.Recipe.File}`.\n\n");
        s.Append("## Storage\n\n");
        s.Append(inv, $"The weights (`model.safetensors`, or shards listed in `model.safetensors.index.json`) hold ");
        s.Append(inv, $"{manifest.Sizes.QuantizedWeights:N0} quantized weights at {manifest.Sizes.EffectiveBitsPerQuantizedWeight:F3} bits each ");
        s.Append("(codes, scales and zero points), ");
        s.Append(inv, $"{manifest.Sizes.PackedBytes:N0} bytes of tensors versus {manifest.Sizes.Fp32Bytes:N0} in fp32 ({manifest.Sizes.Reduction:F2}× smaller). ");
        s.Append("Quantized Linears are stored in the compressed-tensors pack-quantized layout ");
        s.Append("(`weight_packed`, `weight_scale`, `weight_zero_point`, `weight_shape`); `config.json` describes them ");
        s.Append("(`quantization_config`) and carries the model config and normalization statistics, so the folder alone rebuilds the model.\n\n");
        s.Append(inv, $"## Planning ({manifest.Environment}, {manifest.Device})\n\n");
        if (manifest.Baseline is { } fp && manifest.Quantized is { } q)
        {
            s.Append(inv, $"{q.EpisodeCount} episodes (seeds 99·n+{q.SeedOffset}), planner {Planner(q)}, paired by seed.\n\n");
            s.Append("| model | success (95% Wilson) | mean state distance | mean MPC iterations |\n|---|---|---|---|\n");
            s.Append(Row("FP32", fp)).Append(Row("quantized", q)).Append('\n');
        }
        else
        {
            s.Append("Not evaluated (evaluation skipped).\n\n");
        }

        if (manifest.Gates.Count > 0)
        {
            s.Append("## Gates\n\n| gate | verdict | detail | recipe |\n|---|---|---|---|\n");
            foreach (var g in manifest.Gates)
            {
                s.Append(inv, $"| {g.Metric} {g.Kind} {g.Threshold.ToString("G4", inv)} | {g.Verdict} | {g.Message.Replace("|", "\\|", StringComparison.Ordinal)} | {g.Location} |\n");
            }

            s.Append('\n');
        }

        s.Append("## Reproduce\n\n");
        s.Append(inv, $"```\nwmq run {manifest.Recipe.File}\n```\n\nSame recipe, same checkpoint, same tool version and device kind give the same files (the manifest lists every file's SHA-256).\n");
        return s.ToString();
    }

    private static string Planner(EvaluationRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"{Names.Of(r.Planner.Kind)} (horizon {r.Planner.Horizon}, {r.Planner.Samples} samples, top {r.Planner.TopK}, {r.Planner.OptSteps} steps, σ0 {r.Planner.Sigma}, ≤ {r.Planner.MaxIterations} iterations)");

    private static string Row(string name, EvaluationRecord r) => string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {r.SuccessRate:F2} [{r.SuccessInterval95[0]:F2}, {r.SuccessInterval95[1]:F2}] | {r.MeanStateDistance:F2} | {r.MeanIterations:F1} |\n");
}
