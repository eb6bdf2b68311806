using TorchSharp;
using WmQuant.Contract;
using WmQuant.Models;
using WmQuant.Models.Benchmarks;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

/// <summary>
/// <c>--no-math-attention</c>: on CUDA it forbids libtorch's unfused attention, so a bench either runs on the fused
/// kernels or stops with a clear error instead of an internal one.
/// </summary>
public class FusedAttentionTests
{
    [Test]
    public void Only_a_missing_kernel_with_math_attention_off_is_a_refusal()
    {
        var noKernel = new InvalidOperationException("No available kernel. Aborting execution.\nException raised from ... (native trace)");
        var other = new InvalidOperationException("CUDA error: an illegal memory access was encountered");
        var fusedOnly = new InferencePaths(MathAttention: false);

        var refusal = fusedOnly.FusedAttentionRefusal(noKernel);
        Assert.Multiple(() =>
        {
            Assert.That(refusal, Is.Not.Null);
            Assert.That(refusal!.Code, Is.EqualTo(DiagnosticCodes.StageFailed));
            Assert.That(refusal.Message, Does.Contain("no fused attention kernel").And.Contain("No available kernel. Aborting execution."));
            Assert.That(refusal.Message, Does.Not.Contain("native trace"), "one line: libtorch's trace stays out");
            Assert.That(fusedOnly.FusedAttentionRefusal(other), Is.Null, "any other failure keeps its own report");
            Assert.That(new InferencePaths().FusedAttentionRefusal(noKernel), Is.Null, "with math attention on, a missing kernel is not this switch's doing");
        });
    }

    [Test]
    public void Bf16_rollouts_on_cuda_run_on_the_fused_attention_kernels()
    {
        if (!cuda.is_available())
        {
            Assert.Ignore("no CUDA device: GPU test skipped");
        }

        var info = TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "cuda" });
        using var scope = NewDisposeScope();
        using var model = new DinoWorldModel(ModelTestSupport.Shipped("dinov2-vits14"), seed: 3);
        model.MoveTo(info.Device, ScalarType.BFloat16);
        model.eval();
        var config = model.Config;
        using var generator = new Generator(4);
        var start = new LatentObservation(
            randn([4, 1, config.PatchesPerFrame, config.Encoder.Dim], generator: generator).to(ScalarType.BFloat16, info.Device),
            randn([4, 1, config.ProprioEmbDim], generator: generator).to(ScalarType.BFloat16, info.Device));
        var actions = randn([4, 5, config.ActionInputDim], generator: generator).to(info.Device);

        var unrestricted = model.PredictFinal(start, actions).Visual.to(ScalarType.Float32).cpu();
        try
        {
            new InferencePaths(MathAttention: false).Apply(model);
            var fused = model.PredictFinal(start, actions).Visual.to(ScalarType.Float32).cpu();
            double difference = (fused - unrestricted).abs().max().item<float>() / (double)unrestricted.abs().max().item<float>();
            TestContext.Out.WriteLine($"max |fused-only - default| / max |default| = {difference:E2}");
            Assert.That(difference, Is.LessThan(5e-2));
        }
        finally
        {
            new InferencePaths().Apply(model);
        }
    }
}
