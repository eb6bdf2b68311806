using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Tests.Recipes;

namespace WmQuant.Tests.Cli;

[NonParallelizable]
public sealed class BenchCommandTests
{
    private static string WallConfig => RepositoryFiles.PathOf("models/configs/reference-wall.yaml");

    private static readonly object[] BadInputs =
    [
        new object[] { new[] { "rollout", "--config", "{wall}", "--horizon", "2", "--observed", "3" }, DiagnosticCodes.BenchShape,
            "1 ≤ observed ≤ horizon" },
        new object[] { new[] { "rollout", "--config", "missing.yaml" }, DiagnosticCodes.InputUnusable, "missing.yaml(1,1): model config not found" },
        new object[] { new[] { "rollout", "--config", "{wall}", "--dtype", "fp64" }, DiagnosticCodes.CommandLine, "fp64" },
        new object[] { new[] { "rollout", "--config", "{wall}", "--checkpoint", "{pusht-model}", "--batch", "2", "--device", "cpu" },
            DiagnosticCodes.BenchCheckpoint, "wrong shape for '" },
        new object[] { new[] { "plan", "--config", "{wall}", "--samples", "10", "--top-k", "30" }, DiagnosticCodes.OptionValue,
            "2 ≤ top-k ≤ samples (got 10 samples, top-k 30) (--horizon, --samples, --top-k, --opt-steps, --max-batch)" },
        new object[] { new[] { "plan", "--config", "{wall}", "--episodes", "0" }, DiagnosticCodes.OptionValue,
            "--episodes and --iterations must be at least 1" },
        new object[] { new[] { "plan", "--config", "{wall}", "--env", "maze" }, DiagnosticCodes.CommandLine, "maze" },
    ];

    [TestCaseSource(nameof(BadInputs))]
    public void bench_reports_unusable_input_with_its_code_exit_2_and_prints_no_result(string[] options, string code, string message)
    {
        var result = WmqResult.Run(["bench", .. options.Select(o => o
            .Replace("{wall}", WallConfig, StringComparison.Ordinal)
            .Replace("{pusht-model}", RepositoryFiles.PathOf("models/pusht/model.safetensors"), StringComparison.Ordinal))]);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Error, Does.Contain($"error {code}: ").And.Contain(message), result.ToString());
            Assert.That(result.Out, Is.Empty);
        });
    }

    [Test]
    public void bench_rollout_times_a_small_batch_and_agrees_exactly_with_its_own_cpu_copy()
    {
        var result = WmqResult.Run(
            "bench", "rollout", "--config", WallConfig, "--batch", "2", "--horizon", "2", "--repeat", "1", "--warmup", "0",
            "--compare-cpu", "2", "--device", "cpu", "--json");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Passed), result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("config").GetString(), Is.EqualTo("reference-wall"));
            Assert.That(root.GetProperty("dtype").GetString(), Is.EqualTo("fp32"));
            Assert.That(root.GetProperty("batch").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("predictor").GetString(), Is.EqualTo("incremental"));
            Assert.That(root.GetProperty("ms_per_rollout").GetDouble(), Is.GreaterThan(0));
            Assert.That(root.GetProperty("cpu_fp32_max_abs_error").GetDouble(), Is.Zero, "an fp32 CPU model against its own fp32 CPU copy");
            Assert.That(result.Error, Is.Empty);
        });
    }

    [Test]
    public void bench_rollout_profile_lists_the_phases_of_one_more_call_in_text_and_json()
    {
        string[] options = ["bench", "rollout", "--config", WallConfig, "--batch", "2", "--horizon", "2", "--repeat", "1", "--warmup", "0",
            "--final-only", "--device", "cpu", "--profile"];
        var text = WmqResult.Run(options);
        var json = WmqResult.Run([.. options, "--json"]);

        Assert.That(text.ExitCode, Is.EqualTo(ExitCodes.Passed), text.ToString());
        Assert.That(json.ExitCode, Is.EqualTo(ExitCodes.Passed), json.ToString());
        using var document = JsonDocument.Parse(json.Out);
        var phases = document.RootElement.GetProperty("phases").EnumerateArray()
            .ToDictionary(p => p.GetProperty("phase").GetString()!, p => p.GetProperty("calls").GetInt32());
        Assert.Multiple(() =>
        {
            Assert.That(text.Out, Does.Contain("profile          one more call, ").And.Contain("predictor qkv").And.Contain("(outside the phases)"));
            Assert.That(document.RootElement.GetProperty("profiled_ms").GetDouble(), Is.GreaterThan(0));
            Assert.That(phases["predictor qkv"], Is.EqualTo(2 * 3), "reference-wall: predictor depth 3, one predictor call per predicted frame");
            Assert.That(phases["predictor attention"], Is.EqualTo(phases["predictor qkv"]));
        });
    }

    [Test]
    public void bench_says_that_tf32_on_a_cpu_times_fp32_matmuls()
    {
        var rollout = WmqResult.Run(
            "bench", "rollout", "--config", WallConfig, "--batch", "1", "--horizon", "2", "--repeat", "1", "--warmup", "0", "--device", "cpu",
            "--dtype", "tf32");
        var plan = WmqResult.Run(
            "bench", "plan", "--config", WallConfig, "--env", "wall", "--episodes", "1", "--samples", "4", "--top-k", "2",
            "--opt-steps", "1", "--horizon", "2", "--device", "cpu", "--dtype", "tf32");

        Assert.Multiple(() =>
        {
            Assert.That(rollout.ExitCode, Is.EqualTo(ExitCodes.Passed), rollout.ToString());
            Assert.That(plan.ExitCode, Is.EqualTo(ExitCodes.Passed), plan.ToString());
            Assert.That(rollout.Out, Does.Contain("dtype tf32 (a CUDA matmul mode: on this device the matmuls run in fp32)"));
            Assert.That(plan.Out, Does.Contain("device        cpu tf32 (a CUDA matmul mode: on this device the matmuls run in fp32)"));
        });
    }

    [Test]
    public void bench_plan_times_one_small_episode()
    {
        var result = WmqResult.Run(
            "bench", "plan", "--config", WallConfig, "--env", "wall", "--episodes", "1", "--samples", "4", "--top-k", "2",
            "--opt-steps", "1", "--horizon", "2", "--device", "cpu", "--full-predictor", "--no-math-attention");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Passed), result.ToString());
            Assert.That(result.Out, Does.Contain("config        reference-wall (16 tokens/frame, num_hist 1)"));
            Assert.That(result.Out, Does.Contain(
                "predictor     full masked pass over every window, tensor-core padding on, math attention off (fused kernels only, CUDA)"));
            Assert.That(result.Out, Does.Contain("planner       MPC-CEM horizon 2, samples 4, top-k 2, opt steps 1, max batch auto"));
            Assert.That(result.Out, Does.Contain("episodes      1 on wall, 1 MPC iteration(s)"));
            Assert.That(result.Error, Is.Empty);
        });
    }
}
