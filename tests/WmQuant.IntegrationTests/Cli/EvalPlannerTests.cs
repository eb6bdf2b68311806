using System.Text.Json.Nodes;
using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.Cli;

/// <summary>`wmq eval --planner`: the gradient planners plan through the bundled model and their records say so.</summary>
public sealed class EvalPlannerTests
{
    [Test]
    public void A_gradient_planner_evaluation_records_its_own_settings()
    {
        var scratch = Directory.CreateTempSubdirectory("wmq-eval-gd-");
        try
        {
            var output = Path.Combine(scratch.FullName, "gd.json");
            string[] arguments =
            [
                RepositoryLayout.WmqDll, "eval", "--model", Path.Combine(RepositoryLayout.WallModel, "model.safetensors"), "--env", "wall",
                "--episodes", "3", "--planner", "mpc-gd", "--opt-steps", "10", "--max-iterations", "2", "--learning-rate", "0.5",
                "--device", "cpu", "--threads", "1", "--out", output,
            ];

            var result = ProcessRun.Dotnet(RepositoryLayout.Root, TimeSpan.FromMinutes(3), arguments);

            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
            var planner = JsonNode.Parse(File.ReadAllText(output))!["planner"]!;
            Assert.Multiple(() =>
            {
                Assert.That((string)planner["kind"]!, Is.EqualTo("mpc-gd"));
                Assert.That((int)planner["opt_steps"]!, Is.EqualTo(10));
                Assert.That((int)planner["samples"]!, Is.EqualTo(1));
                Assert.That((double)planner["learning_rate"]!, Is.EqualTo(0.5));
                Assert.That((double)planner["action_noise"]!, Is.EqualTo(0.003));
                Assert.That(result.Output, Does.Contain("success       "));
            });
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
