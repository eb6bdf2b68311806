using System.Text.RegularExpressions;
using WmQuant.IntegrationTests.Support;
using static WmQuant.IntegrationTests.Workflows.WorkflowDocument;

namespace WmQuant.IntegrationTests.Workflows;

/// <summary>
/// The GitHub workflows load as YAML and have the structure the project relies on: jobs with runners or reusable
/// workflows, steps that run or use something, `needs` that name real jobs, the GPU job on the self-hosted labels
/// behind the CPU job, and Cake targets that build.cake defines. (actionlint is not installable offline here.)
/// </summary>
[TestFixture]
public partial class WorkflowFileTests
{
    private static readonly string Folder = Path.Combine(RepositoryLayout.Root, ".github", "workflows");
    private static readonly string[] GpuLabels = ["self-hosted", "linux", "x64", "gpu"];

    private static IEnumerable<string> WorkflowFiles() => Directory.GetFiles(Path.Combine(RepositoryLayout.Root, ".github", "workflows"), "*.yml").Order(StringComparer.Ordinal);

    [GeneratedRegex(@"Task\(""(?<name>\w+)""\)")]
    private static partial Regex CakeTask();

    [GeneratedRegex(@"--target=(?<name>\w+)")]
    private static partial Regex CakeTarget();

    [GeneratedRegex(@"\S+@v\d+")]
    private static partial Regex PinnedAction();

    [Test]
    public void The_three_workflows_exist()
    {
        Assert.That(WorkflowFiles().Select(Path.GetFileName), Is.SupersetOf(new[] { "ci.yml", "quantize.yml", "release.yml" }));
    }

    [TestCaseSource(nameof(WorkflowFiles))]
    public void Jobs_and_steps_are_well_formed(string path)
    {
        var workflow = Load(path);
        Assert.That(Scalar(workflow.Root, "name"), Is.Not.Null.And.Not.Empty);
        Assert.That(workflow.On, Is.Not.Null);
        Assert.That(workflow.JobIds, Is.Not.Empty);
        foreach (string id in workflow.JobIds)
        {
            var job = workflow.Job(id);
            bool reusable = HasKey(job, "uses");
            Assert.That(reusable || List(job, "runs-on").Count > 0, Is.True, $"{workflow.Name}: job {id} has neither runs-on nor uses");
            foreach (string needed in List(job, "needs"))
            {
                Assert.That(workflow.JobIds, Does.Contain(needed), $"{workflow.Name}: job {id} needs unknown job {needed}");
            }

            if (reusable)
            {
                string target = Scalar(job, "uses")!;
                Assert.That(target, Does.StartWith("./"), "reusable workflows of this repository only");
                Assert.That(File.Exists(Path.Combine(RepositoryLayout.Root, target[2..])), Is.True, $"{workflow.Name}: {id} calls missing {target}");
                continue;
            }

            var steps = Steps(job);
            Assert.That(steps, Is.Not.Empty, $"{workflow.Name}: job {id} has no steps");
            foreach (var step in steps)
            {
                Assert.That(HasKey(step, "run") ^ HasKey(step, "uses"), Is.True, $"{workflow.Name}: a step of {id} must have exactly one of run and uses");
                if (Scalar(step, "uses") is { } action)
                {
                    Assert.That(PinnedAction().IsMatch(action), Is.True, $"{workflow.Name}: {action} is not pinned to a major version");
                }
            }
        }
    }

    [TestCaseSource(nameof(WorkflowFiles))]
    public void Cake_targets_and_scripts_they_call_exist(string path)
    {
        string cake = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "build", "build.cake"));
        var targets = CakeTask().Matches(cake).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);
        var workflow = Load(path);
        foreach (string id in workflow.JobIds)
        {
            string scripts = Scripts(workflow.Job(id));
            foreach (Match match in CakeTarget().Matches(scripts))
            {
                Assert.That(targets, Does.Contain(match.Groups["name"].Value), $"{workflow.Name}: {id} calls an unknown Cake target");
            }

            foreach (string file in new[] { "build/build.cake", "build/prerequisites.sh", "WmQuantPipeline.sln", "src/WmQuant.Cli" })
            {
                if (scripts.Contains(file, StringComparison.Ordinal))
                {
                    Assert.That(File.Exists(Path.Combine(RepositoryLayout.Root, file)) || Directory.Exists(Path.Combine(RepositoryLayout.Root, file)), Is.True, file);
                }
            }
        }
    }

    [Test]
    public void Cake_script_defines_every_target_the_issue_names()
    {
        string cake = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "build", "build.cake"));
        var targets = CakeTask().Matches(cake).Select(m => m.Groups["name"].Value).ToList();
        Assert.That(targets, Is.SupersetOf(new[] { "Clean", "Restore", "Build", "Test", "Data", "Train", "Calibrate", "Quantize", "Evaluate", "Gate", "Package", "Release" }));
        Assert.That(targets, Is.Unique);
    }

    [Test]
    public void Ci_builds_tests_runs_the_default_recipe_and_uploads()
    {
        var workflow = Load(Path.Combine(Folder, "ci.yml"));
        var job = workflow.Job("cpu");
        Assert.That(List(job, "runs-on"), Is.EqualTo(new[] { "ubuntu-latest" }));
        string scripts = Scripts(job);
        Assert.Multiple(() =>
        {
            Assert.That(scripts, Does.Contain("dotnet restore"));
            Assert.That(scripts, Does.Contain("dotnet build WmQuantPipeline.sln").And.Contain("-bl:"));
            Assert.That(scripts, Does.Contain("dotnet test WmQuantPipeline.sln"));
            Assert.That(scripts, Does.Contain("--target=Gate"));
            Assert.That(Steps(job).Select(s => Scalar(s, "uses")), Does.Contain("actions/upload-artifact@v4"));
            Assert.That(scripts, Does.Contain("GITHUB_STEP_SUMMARY"));
        });
        Assert.That(HasKey(Mapping(workflow.Root, "on"), "workflow_call"), Is.True, "the GPU workflow reuses this job as its CPU stage");
    }

    [Test]
    public void Quantize_runs_on_the_gpu_runner_behind_the_cpu_job_for_labelled_prs()
    {
        var workflow = Load(Path.Combine(Folder, "quantize.yml"));
        Assert.That(HasKey(workflow.Root, "concurrency"), Is.True);
        var gpu = workflow.Job("gpu");
        Assert.That(List(gpu, "runs-on"), Is.EqualTo(GpuLabels));
        Assert.That(List(gpu, "needs"), Does.Contain("cpu"));
        var matrix = Mapping(Mapping(gpu, "strategy"), "matrix");
        Assert.That(Scalar(matrix, "include"), Does.Contain("needs.plan.outputs.recipes"), "a matrix over pipelines/ computed by the plan job");
        Assert.That(Scalar(workflow.Job("cpu"), "if"), Does.Contain("'gpu'").And.Contain("head.repo.full_name == github.repository"), "GPU jobs only for trusted, labelled PRs");
        Assert.That(Scripts(workflow.Job("plan")), Does.Contain("pipelines/*.yaml").Or.Contain("GLOB"));
        string scripts = Scripts(gpu);
        Assert.That(scripts, Does.Contain("LIBTORCH_DIR").And.Contain("--device=cuda").And.Contain("--target=Gate").And.Contain("-bl:"));
        Assert.That(List(workflow.Job("comment"), "needs"), Does.Contain("gpu"));
        Assert.That(workflow.Job("comment").ToString(), Does.Contain("createComment"));
    }

    [Test]
    public void Release_runs_on_version_tags_and_publishes_after_both_gates()
    {
        var workflow = Load(Path.Combine(Folder, "release.yml"));
        var push = Mapping(Mapping(workflow.Root, "on"), "push");
        Assert.That(List(push, "tags"), Is.EqualTo(new[] { "v*" }));
        Assert.That(Scripts(workflow.Job("cpu")), Does.Contain("--target=Release"));
        Assert.That(List(workflow.Job("gpu"), "runs-on"), Is.EqualTo(GpuLabels));
        Assert.That(List(workflow.Job("publish"), "needs"), Is.EquivalentTo(new[] { "cpu", "gpu" }));
        Assert.That(Scripts(workflow.Job("publish")), Does.Contain("dotnet nuget push").And.Contain("gh release create"));
    }
}
