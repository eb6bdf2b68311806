using WmQuant.Cli.Ci;

namespace WmQuant.Tests.Ci;

public class StepSummaryMarkdownTests
{
    [Test]
    public void Renders_the_gate_table_messages_and_metrics_exactly()
    {
        var run = CiSamples.Run(CiSamples.Failed(), CiSamples.NotJudged(), CiSamples.Passed());

        string markdown = StepSummaryMarkdown.Render(run, CiSamples.Repo);

        Assert.That(markdown, Is.EqualTo("""
            ### ❌ wall-w4g128: 1 failed, 1 not judged of 3 gates

            Artifact: `artifacts/wall-w4g128/1.0.0`

            | metric | kind | value | bound | threshold | verdict | recipe line |
            |---|---|---:|---:|---:|---|---|
            | success_rate | min | 0.80 | 0.80 | 0.85 | ❌ failed | quantize.yaml:22 |
            | success_rate | max_drop_vs_baseline | — | — | 0.00 | ⚠️ not judged | quantize.yaml:23 |
            | state_distance | max | 0.900 | 0.900 | 1.000 | ✅ passed | quantize.yaml:24 |

            - ❌ `quantize.yaml:22` WMQ4001: success_rate 0.80 < min 0.85 (95% Wilson [0.67, 0.89])
            - ⚠️ `quantize.yaml:23` WMQ4002: no baseline \| run
            - ✅ `quantize.yaml:24` state_distance 0.900 <= max 1.000 (95% Student-t [0.800, 1.000])

            | metric | FP baseline | quantized | change |
            |---|---:|---:|---:|
            | success_rate | 0.96 | 0.8 | -0.16 |
            | state_distance | 0.4123 | 0.9 | +0.4877 |


            """.Replace("\r\n", "\n", StringComparison.Ordinal)));
    }

    [Test]
    public void A_passing_run_says_so_in_its_headline()
    {
        string markdown = StepSummaryMarkdown.Render(CiSamples.Run(CiSamples.Passed()), CiSamples.Repo);

        Assert.That(markdown, Does.StartWith("### ✅ wall-w4g128: the gate passed\n"));
        Assert.That(StepSummaryMarkdown.Render(CiSamples.Run(), CiSamples.Repo), Does.StartWith("### ✅ wall-w4g128: no gates\n"));
    }

    [Test]
    public void Several_runs_get_one_section_each_in_order()
    {
        var second = CiSamples.Run(CiSamples.Passed()) with { RecipeName = "wall-w3g64" };

        string markdown = StepSummaryMarkdown.Render([CiSamples.Run(CiSamples.Failed()), second], CiSamples.Repo);

        Assert.That(markdown.Split('\n').Where(l => l.StartsWith("### ", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "### ❌ wall-w4g128: 1 failed of 1 gate",
            "### ✅ wall-w3g64: the gate passed",
        }));
    }

    [Test]
    public void Backticks_in_the_artifact_folder_do_not_break_the_code_span()
    {
        var run = CiSamples.Run() with { ArtifactFolder = "out/`x`" };

        Assert.That(StepSummaryMarkdown.Render(run), Does.Contain("Artifact: `` out/`x` ``\n"));
    }
}
