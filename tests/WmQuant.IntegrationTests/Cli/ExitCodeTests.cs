using WmQuant.IntegrationTests.Support;

namespace WmQuant.IntegrationTests.Cli;

/// <summary>
/// wmq's exit codes as a build sees them, run as processes: 0 passed, 1 only when a gate failed, 2 for bad input of
/// any kind (parse errors, names that exist nowhere, bad values, bad files), 3 when the environment fails.
/// </summary>
public sealed class ExitCodeTests
{
    private DirectoryInfo scratch = null!;

    [SetUp]
    public void CreateScratch() => scratch = Directory.CreateTempSubdirectory("wmq-exit-");

    [TearDown]
    public void DeleteScratch() => scratch.Delete(recursive: true);

    private static ProcessResult Wmq(params string[] arguments) =>
        ProcessRun.Dotnet(RepositoryLayout.Root, TimeSpan.FromMinutes(2), [RepositoryLayout.WmqDll, .. arguments]);

    /// <summary>quantize.yaml with one line replaced, written beside the original (so its model paths resolve); the caller deletes it.</summary>
    private string Variant(string name, string find, string replace)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "quantize.yaml"));
        Assert.That(text, Does.Contain(find));
        string path = Path.Combine(RepositoryLayout.Root, $".exit-{name}-{scratch.Name}.yaml");
        File.WriteAllText(path, text.Replace(find, replace, StringComparison.Ordinal));
        return path;
    }

    private static readonly object[] ParseErrors =
    [
        new object[] { new[] { "run", "quantize.yaml", "--threads", "abc" }, "--threads" },
        new object[] { new[] { "run", "quantize.yaml", "--device", "gpu" }, "--device 'gpu' is not a device" },
        new object[] { new[] { "data", "generate", "--env", "foo" }, "foo" },
        new object[] { new[] { "frobnicate" }, "frobnicate" },
        new object[] { new[] { "eval", "--env", "wall" }, "--model" },
    ];

    [TestCaseSource(nameof(ParseErrors))]
    public void Command_line_errors_exit_2_with_a_WMQ2000_line_and_no_stack_trace(string[] arguments, string mentions)
    {
        var result = Wmq(arguments);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
            Assert.That(result.Output, Does.Match(@"(?m)^error WMQ2000: "), result.ToString());
            Assert.That(result.Output, Does.Contain(mentions));
            Assert.That(result.Output, Does.Not.Contain("Unhandled exception").And.Not.Contain("   at "));
        });
    }

    [Test]
    public void An_environment_that_does_not_exist_is_refused_at_validate_with_its_line()
    {
        string recipe = Variant("pointmaze", "environment: wall", "environment: pointmaze");
        try
        {
            var validate = Wmq("validate", recipe);
            var run = Wmq("run", recipe, "--out", scratch.FullName);

            Assert.Multiple(() =>
            {
                Assert.That(validate.ExitCode, Is.EqualTo(2), validate.ToString());
                Assert.That(validate.Output, Does.Match(@"\(9,14\): error WMQ1105: environment is 'pointmaze'; allowed: wall, pusht"));
                Assert.That(run.ExitCode, Is.EqualTo(2), run.ToString());
                Assert.That(run.Output, Does.Contain("error WMQ1105").And.Not.Contain("Unhandled exception"));
                Assert.That(scratch.GetFileSystemInfos(), Is.Empty, "nothing written");
            });
        }
        finally
        {
            File.Delete(recipe);
        }
    }

    [Test]
    public void A_method_that_is_not_registered_is_refused_at_validate_with_its_line_and_the_list()
    {
        string recipe = Variant("hqq", "method: rtn", "method: hqq");
        try
        {
            var validate = Wmq("validate", recipe);

            Assert.Multiple(() =>
            {
                Assert.That(validate.ExitCode, Is.EqualTo(2), validate.ToString());
                Assert.That(validate.Output, Does.Match(@"\(14,11\): error WMQ1105: quantization.method is 'hqq'; did you mean 'awq'\? allowed: rtn, omse, awq, smoothquant, omniquant, gptq"));
            });
        }
        finally
        {
            File.Delete(recipe);
        }
    }

    [Test]
    public void A_missing_recipe_and_a_bad_option_value_are_bad_input()
    {
        var missing = Wmq("validate", Path.Combine(scratch.FullName, "nope.yaml"));
        var badVersion = Wmq("quantize", "quantize.yaml", "--artifact-version", "one", "--out", scratch.FullName);

        Assert.Multiple(() =>
        {
            Assert.That(missing.ExitCode, Is.EqualTo(2), missing.ToString());
            Assert.That(missing.Output, Does.Contain("error WMQ1001"));
            Assert.That(badVersion.ExitCode, Is.EqualTo(2), badVersion.ToString());
            Assert.That(badVersion.Output, Does.Contain("error WMQ3102: --artifact-version 'one' is not a SemVer version"));
            Assert.That(scratch.GetFileSystemInfos(), Is.Empty, "nothing written");
        });
    }

    [Test]
    public void A_device_the_machine_cannot_provide_is_an_environment_failure()
    {
        // CI machines have no GPU: asking for one is the environment failing, not the input.
        var result = Wmq("quantize", "quantize.yaml", "--device", "cuda", "--out", scratch.FullName, "--no-cache");
        Assume.That(result.Output, Does.Not.Contain("CUDA device(s)"), "this machine has a GPU");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
            Assert.That(result.Output, Does.Contain("error WMQ3201: CUDA requested but not usable"));
        });
    }

    [Test]
    public void A_valid_recipe_validates_with_exit_0()
    {
        var result = Wmq("validate", "quantize.yaml");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("quantize.yaml: valid, 1 recipe(s): wall-w4g128"));
    }
}
