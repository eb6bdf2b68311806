using System.Diagnostics;
using WmQuant.Models;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Packing;
using WmQuant.Quantization.Primitives;
using WmQuant.Tests.Models;
using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Quantization.Interop;

/// <summary>
/// Reads wmq artifacts with <c>ct_reader.py</c>, a standard-library-only reader written from compressed-tensors'
/// conventions (not from this code), and requires its dequantized weights to equal wmq's evaluated fake-quant weights
/// bit for bit. Needs python3 (build/prerequisites.sh installs it); ignored without it, except on CI where it fails.
/// </summary>
public class CompressedTensorsReaderTests
{
    /// <summary>Per layer of the tiny model: every width and strategy the issue asks for, and the rest.</summary>
    private static readonly (string Layer, WeightQuantConfig Weights)[] Layers =
    [
        ("encoder.blocks.0.attn.qkv", new(8, WeightGranularity.PerChannel)),
        ("encoder.blocks.0.attn.proj", new(8, WeightGranularity.PerChannel, symmetric: false)),
        ("encoder.blocks.0.mlp.fc1", new(4, WeightGranularity.PerChannel)),
        ("encoder.blocks.0.mlp.fc2", new(4, WeightGranularity.PerGroup, 128)),
        ("encoder.blocks.1.attn.qkv", new(4, WeightGranularity.PerChannel, symmetric: false)),
        ("encoder.blocks.1.mlp.fc2", new(4, WeightGranularity.PerGroup, 128, symmetric: false)),
        ("predictor.transformer.layers.0.1.net.4", new(3, WeightGranularity.PerGroup, 128)),
        ("predictor.transformer.layers.1.1.net.4", new(3, WeightGranularity.PerGroup, 128, symmetric: false)),
        ("predictor.transformer.layers.0.0.to_qkv", new(8, WeightGranularity.PerTensor, symmetric: false)),
        ("predictor.transformer.layers.0.1.net.1", new(5, WeightGranularity.PerGroup, 32, symmetric: false, ScaleStorage.Float32)),
        ("predictor.transformer.layers.1.0.to_qkv", new(6, WeightGranularity.PerChannel, symmetric: false)),
        ("predictor.transformer.layers.1.0.to_out.0", new(7, WeightGranularity.PerChannel)),
        ("proprio_encoder.patch_embed", new(2, WeightGranularity.PerChannel, symmetric: false)),
    ];

    [Test]
    public void An_independent_compressed_tensors_reader_gets_wmqs_float32_weights_bit_for_bit_from_single_and_sharded_artifacts()
    {
        string python = FindPython();
        string script = Path.Combine(ModelTestSupport.RepositoryRoot, "tests", "WmQuant.Tests", "Quantization", "Interop", "ct_reader.py");
        using var temp = new TempDirectory();
        string root = temp.Path;
        using var model = new DinoWorldModel(QuantModelTestSupport.Tiny(), seed: 31);
        var plan = new ModelQuantizationPlan(null, null, null)
        {
            Overrides = [.. Layers.Select(l => new QuantScopeRule(LayerSelector.Parse(l.Layer), l.Weights, null))],
        };
        using var result = QuantModelTestSupport.Method("rtn").Apply(model, null, plan).Unwrap();
        Assert.That(result.Quantized.Select(r => r.Name), Is.EquivalentTo(Layers.Select(l => l.Layer)));

        string single = Path.Combine(root, "single");
        string sharded = Path.Combine(root, "sharded");
        string expected = Path.Combine(root, "expected");
        QuantizedModelArtifact.Write(single, model, result);
        var shards = QuantizedModelArtifact.Write(sharded, model, result, new ArtifactWriteOptions { MaxShardBytes = 16 << 10 });
        Assert.That(shards.Files.Select(f => f.Name), Does.Contain("model.safetensors.index.json"));
        Directory.CreateDirectory(expected);
        var layers = model.NamedQuantizableLayers().ToDictionary(l => l.Name, l => l.Layer);
        foreach (var (name, _) in Layers)
        {
            // What wmq evaluated: the model's fake-quant weight as float32 [N, K], little-endian.
            using var weight = layers[name].WeightMatrix.detach().to(ScalarType.Float32, CPU).contiguous();
            File.WriteAllBytes(Path.Combine(expected, name + ".f32"), weight.bytes.ToArray());
        }

        var clock = Stopwatch.StartNew();
        var (code, output) = Run(python, script, single, expected);
        TestContext.Out.WriteLine(output);
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Contain($"{Layers.Length} layers checked in 1 weight file(s): {Layers.Length} bit-identical, 0 mismatched, 0 unchecked"));
        Assert.That(output, Does.Contain("W3 group g128 asym").And.Contain("W4 channel sym").And.Contain("W8 tensor asym"));

        (code, output) = Run(python, script, sharded, expected);
        TestContext.Out.WriteLine(output);
        Assert.That(code, Is.Zero, output);
        Assert.That(output, Does.Match($"{Layers.Length} layers checked in [2-9]\\d* weight file\\(s\\): {Layers.Length} bit-identical"));

        // The comparison can fail: one flipped mantissa bit in one expected value is found.
        string victim = Path.Combine(expected, "predictor.transformer.layers.1.1.net.4.f32");
        byte[] bytes = File.ReadAllBytes(victim);
        bytes[4 * 17] ^= 1;
        File.WriteAllBytes(victim, bytes);
        (code, output) = Run(python, script, single, expected);
        Assert.That(code, Is.Not.Zero, output);
        Assert.That(output, Does.Contain("MISMATCH group_"));
        Assert.That(output, Does.Contain("predictor.transformer.layers.1.1.net.4 W3 group g128 asym [52, 144]: first at 17"));
        TestContext.Out.WriteLine($"reader runs took {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static (int Code, string Output) Run(string python, string script, string artifact, string expected)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "-B", script, artifact, expected })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("ct_reader.py did not finish within 2 minutes");
        }

        return (process.ExitCode, stdout + stderr.Result);
    }

    private static string FindPython()
    {
        string? found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "python3"))
            .FirstOrDefault(File.Exists);
        if (found is null)
        {
            const string Message = "python3 is not on PATH (build/prerequisites.sh installs Debian's python3)";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(Message);
            }

            Assert.Ignore(Message);
        }

        return found!;
    }
}
