using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.Cli;

/// <summary>`wmq eval` turns option values a user can fix into WMQ2001 lines and exit code 2, before it loads anything.</summary>
public sealed class EvalOptionErrorTests
{
    private static readonly object[] Cases =
    [
        new object[] { new[] { "--env", "wall", "--seed-offset", "99" }, "--seed-offset must lie in 0 … 98" },
        new object[] { new[] { "--env", "wall", "--samples", "10", "--top-k", "30" }, "2 ≤ top-k ≤ samples (got 10 samples, top-k 30)" },
        new object[] { new[] { "--env", "wall", "--opt-steps", "0", "--sigma", "0" }, "the initial standard deviation must be positive" },
        new object[] { new[] { "--env", "wall", "--goal-pace", "0.5" }, "--goal-pace applies to --env pusht" },
        new object[] { new[] { "--env", "maze" }, "--env must be one of wall, pusht (got 'maze')" },
        new object[] { new[] { "--env", "wall", "--weight-bits", "4", "--granularity", "row" }, "--granularity must be tensor, channel or group (got 'row')" },
        new object[] { new[] { "--env", "wall", "--weight-bits", "1" }, "--weight-bits must be 2 … 8, or 16 for float (got 1)" },
        new object[] { new[] { "--env", "wall", "--act-bits", "12" }, "--act-bits must be 2 … 8, or 16 for float (got 12)" },
        new object[] { new[] { "--env", "wall", "--scope", "decoder" }, "--scope must be all, encoder or predictor (got 'decoder')" },
        new object[] { new[] { "--env", "wall", "--method", "sq" }, "--method must be one of rtn, omse, awq, smoothquant, omniquant, gptq (got 'sq')" },
        new object[] { new[] { "--env", "wall", "--group-size", "0", "--samples", "1" }, "--group-size must be at least 1 (got 0)" },
        new object[] { new[] { "--env", "wall", "--planner", "sgd" }, "--planner must be one of mpc-cem, open-loop-cem, mpc-gd, open-loop-gd (got 'sgd')" },
        new object[] { new[] { "--env", "wall", "--planner", "mpc-gd", "--learning-rate", "0" }, "--learning-rate must be positive (got 0)" },
    ];

    [TestCaseSource(nameof(Cases))]
    public void Bad_values_are_reported_with_their_option_and_exit_code_2(string[] options, string message)
    {
        var model = Path.Combine(RepositoryLayout.WallModel, "model.safetensors");
        string[] arguments = [RepositoryLayout.WmqDll, "eval", "--model", model, .. options];

        var result = ProcessRun.Dotnet(RepositoryLayout.Root, TimeSpan.FromMinutes(2), arguments);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.Output, Does.Contain("error WMQ2001"));
            Assert.That(result.Output, Does.Contain(message));
            Assert.That(result.Output, Does.Not.Contain("Unhandled exception"));
        });
    }
}
