using System.Globalization;
using WmQuant.IntegrationTests.Support;
using WmQuant.TestSupport;

namespace WmQuant.IntegrationTests.Cli;

/// <summary>
/// The first cases of the in-process mutation property (WmQuant.Tests: MutationPropertyTests), run as wmq processes to
/// measure what a process can only show: each damaged input ends with exit 0 or 2 within 2 s of wall time after the
/// .NET start-up, under 300 MB of peak resident memory, and leaves nothing behind. Damaged recipes go through
/// `wmq validate`; damaged model configs and normalization statistics through `wmq quantize` of a model whose weights
/// hold a NaN, so every case stops at the run's pre-flight (which reads both files in full) and never starts a runtime.
/// </summary>
[NonParallelizable]
public sealed class MutationSampleTests
{
    private static MeasuredResult startup = null!;

    [OneTimeSetUp]
    public void MeasureStartup() => startup = Startup.Measure();

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (int seed in ByteMutations.Seeds(200, MutationCorpus.RecipeStream).Take(6))
        {
            yield return new TestCaseData("r.yaml", seed, "validate").SetName($"Damaged_recipe_seed_{seed}");
        }

        foreach (int seed in ByteMutations.Seeds(80, MutationCorpus.BaseStream).Take(2))
        {
            yield return new TestCaseData("base.yaml", seed, "validate").SetName($"Damaged_base_recipe_seed_{seed}");
        }

        foreach (int seed in ByteMutations.Seeds(100, MutationCorpus.ConfigStream).Take(2))
        {
            yield return new TestCaseData("models/wall/model.yaml", seed, "quantize").SetName($"Damaged_model_config_seed_{seed}");
        }

        foreach (int seed in ByteMutations.Seeds(100, MutationCorpus.NormalizationStream).Take(2))
        {
            yield return new TestCaseData("models/wall/normalization.json", seed, "quantize").SetName($"Damaged_normalization_seed_{seed}");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void A_damaged_input_ends_with_exit_0_or_2_within_the_time_and_memory_bounds(string file, int seed, string command)
    {
        Assume.That(OperatingSystem.IsLinux(), "peak memory is read from Linux's /proc or /usr/bin/time");
        using var repo = new HostileInputTests.Repo();
        repo.Write("r.yaml", MutationCorpus.Recipe);
        repo.Write("base.yaml", MutationCorpus.Base);
        repo.CopyModel("models/wall");
        if (command == "quantize")
        {
            repo.PoisonWeights("models/wall/model.safetensors", "encoder.blocks.0.attn.qkv.weight", float.NaN);
        }

        string path = repo.Combine(file);
        File.WriteAllBytes(path, ByteMutations.Mutate(File.ReadAllBytes(path), seed));
        var before = repo.Snapshot();

        var result = Startup.RunWithinBudget(ref startup, repo.Root, [command, "r.yaml"]);

        TestContext.Progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{TestContext.CurrentContext.Test.Name}: exit {result.ExitCode}, {result.Wall.TotalSeconds:F2} s ({result.Cpu.TotalSeconds:F2} s CPU; start-up {startup.Wall.TotalSeconds:F2} s), {result.PeakKilobytes / 1024} MB"));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(0).Or.EqualTo(2), result.ToString());
            Assert.That(result.Output, Does.Not.Contain("Unhandled exception").And.Not.Contain("WMQ3302"), result.ToString());
            Assert.That(result.Cpu, Is.LessThanOrEqualTo(startup.Cpu + Startup.Budget), result.ToString());
            Assert.That(result.PeakKilobytes, Is.InRange(1, 300 * 1024), result.ToString());
            Assert.That(repo.Snapshot(), Is.EqualTo(before), "nothing left behind");
        });
    }
}
