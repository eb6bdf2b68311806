using System.Text.RegularExpressions;
using WmQuant.IntegrationTests.Support;
using static WmQuant.IntegrationTests.Workflows.WorkflowDocument;

namespace WmQuant.IntegrationTests.Workflows;

/// <summary>
/// The GitHub workflows load as YAML and have the structure the project relies on: jobs with runners or reusable
/// workflows, steps that run or use something, `needs` that name real jobs, the GPU job on the self-hosted labels
/// behind a passed CPU job that runs once per commit, Cake targets that build.cake defines, actions pinned by commit,
/// NuGet and stage caches keyed on the lock files, and restores locked to them. (actionlint is not installable
/// offline here.)
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

    /// <summary>owner/repo[/path]@&lt;40 hex&gt;: a commit cannot move the way a tag can.</summary>
    [GeneratedRegex(@"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")]
    private static partial Regex PinnedAction();

    /// <summary>A `uses:` line with its pin and the comment naming the tag the commit stood for.</summary>
    [GeneratedRegex(@"uses:\s*(?<action>[\w.-]+/[\w./-]+)@(?<ref>\S+)(?<comment>\s+#\s*v\d[^\n]*)?")]
    private static partial Regex UsesLine();

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
                    Assert.That(PinnedAction().IsMatch(action), Is.True, $"{workflow.Name}: {action} is not pinned to a full commit SHA");
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
            Assert.That(Steps(job).Select(s => Scalar(s, "uses")), Has.Some.StartsWith("actions/upload-artifact@"));
            Assert.That(scripts, Does.Contain("GITHUB_STEP_SUMMARY"));
        });
        Assert.That(HasKey(Mapping(workflow.Root, "on"), "workflow_call"), Is.True, "the GPU workflow reuses this job as its CPU stage");
    }

    [Test]
    public void Quantize_runs_on_the_gpu_runner_behind_a_passed_cpu_job_for_labelled_prs()
    {
        var workflow = Load(Path.Combine(Folder, "quantize.yml"));
        Assert.That(HasKey(workflow.Root, "concurrency"), Is.True);
        var gpu = workflow.Job("gpu");
        var plan = workflow.Job("plan");
        Assert.That(List(gpu, "runs-on"), Is.EqualTo(GpuLabels));
        Assert.That(List(gpu, "needs"), Does.Contain("plan"));
        Assert.That(List(plan, "needs"), Does.Contain("cpu"));
        Assert.That(Scalar(plan, "if"), Does.Contain("needs.cpu.result == 'success'").And.Contain("github.event.workflow_run.conclusion == 'success'"),
            "the GPU jobs follow a passed CPU job: this workflow's own, or ci.yml's run of the commit");
        Assert.That(Scalar(gpu, "if"), Does.Contain("needs.plan.outputs.run == 'true'"));
        var matrix = Mapping(Mapping(gpu, "strategy"), "matrix");
        Assert.That(Scalar(matrix, "include"), Does.Contain("needs.plan.outputs.recipes"), "a matrix over pipelines/ computed by the plan job");
        string trust = Scripts(plan);
        Assert.That(trust, Does.Contain("head_repo\" = \"$GITHUB_REPOSITORY").And.Contain("grep -qx gpu").And.Contain("\"$branch\" = main"),
            "GPU jobs only for main and trusted, labelled PRs");
        Assert.That(Scalar(workflow.Job("cpu"), "if"), Does.Contain("'gpu'").And.Contain("head.repo.full_name == github.repository"));
        Assert.That(trust, Does.Contain("pipelines/*.yaml").Or.Contain("GLOB"));
        Assert.That(Steps(gpu).Select(s => OptionalMapping(s, "with")).OfType<YamlDotNet.RepresentationModel.YamlMappingNode>()
            .Select(w => Scalar(w, "ref")), Does.Contain("${{ needs.plan.outputs.sha }}"), "the GPU job builds the commit the CPU job passed");
        string scripts = Scripts(gpu);
        Assert.That(scripts, Does.Contain("LIBTORCH_DIR").And.Contain("--device=cuda").And.Contain("--target=Gate").And.Contain("-bl:"));
        Assert.That(List(workflow.Job("comment"), "needs"), Does.Contain("gpu"));
        Assert.That(workflow.Job("comment").ToString(), Does.Contain("createComment"));
    }

    [Test]
    public void Quantize_does_not_run_the_cpu_workflow_again_for_a_push()
    {
        var workflow = Load(Path.Combine(Folder, "quantize.yml"));
        var on = Mapping(workflow.Root, "on");
        Assert.That(HasKey(on, "push"), Is.False, "a push already runs ci.yml; quantize.yml follows that run");
        Assert.That(List(Mapping(on, "workflow_run"), "workflows"), Is.EqualTo(new[] { "ci" }));
        Assert.That(List(Mapping(on, "workflow_run"), "types"), Is.EqualTo(new[] { "completed" }));
        Assert.That(List(Mapping(on, "pull_request"), "types"), Is.EqualTo(new[] { "labeled" }), "synchronize/opened get ci.yml's run");
        var cpu = workflow.Job("cpu");
        Assert.That(Scalar(cpu, "uses"), Is.EqualTo("./.github/workflows/ci.yml"));
        Assert.That(Scalar(cpu, "if"), Does.Contain("workflow_dispatch").And.Not.Contain("workflow_run").And.Not.Contain("push"),
            "ci.yml is called only where no run of it exists for the commit");
        var ciOn = Mapping(Load(Path.Combine(Folder, "ci.yml")).Root, "on");
        Assert.That(Scalar(Load(Path.Combine(Folder, "ci.yml")).Root, "name"), Is.EqualTo("ci"), "the name workflow_run listens for");
        Assert.That(HasKey(ciOn, "push") && HasKey(ciOn, "pull_request") && HasKey(ciOn, "workflow_call"), Is.True);
    }

    [Test]
    public void Every_action_is_pinned_by_commit_with_its_tag_named_and_one_commit_per_action()
    {
        var pins = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (string path in WorkflowFiles())
        {
            foreach (Match use in UsesLine().Matches(File.ReadAllText(path)))
            {
                string action = use.Groups["action"].Value;
                Assert.That(use.Groups["ref"].Value, Does.Match("^[0-9a-f]{40}$"), $"{Path.GetFileName(path)}: {action} is not pinned by commit");
                Assert.That(use.Groups["comment"].Success, Is.True, $"{Path.GetFileName(path)}: {action}'s pin does not name its tag in a comment");
                pins.TryAdd(action, []);
                pins[action].Add(use.Groups["ref"].Value);
            }
        }

        Assert.That(pins.Keys, Is.SupersetOf(new[] { "actions/checkout", "actions/setup-dotnet", "actions/cache", "actions/upload-artifact" }));
        Assert.That(pins.Where(p => p.Value.Count > 1).Select(p => p.Key), Is.Empty, "each action at one commit everywhere");
    }

    [TestCaseSource(nameof(WorkflowFiles))]
    public void Jobs_that_restore_cache_nuget_on_the_lock_files_and_restore_locked(string path)
    {
        var workflow = Load(path);
        foreach (string id in workflow.JobIds.Where(id => !HasKey(workflow.Job(id), "uses")))
        {
            var job = workflow.Job(id);
            string scripts = Scripts(job);
            if (!scripts.Contains("dotnet build", StringComparison.Ordinal) && !scripts.Contains("dotnet cake", StringComparison.Ordinal))
            {
                continue;
            }

            var caches = Steps(job).Where(s => Scalar(s, "uses")?.StartsWith("actions/cache@", StringComparison.Ordinal) == true)
                .Select(s => Mapping(s, "with")).ToList();
            var nuget = caches.SingleOrDefault(c => Scalar(c, "path") == "~/.nuget/packages");
            Assert.That(nuget, Is.Not.Null, $"{workflow.Name}: {id} has no NuGet package cache");
            Assert.That(Scalar(nuget!, "key"), Does.Contain("hashFiles('**/packages.lock.json'"), $"{workflow.Name}: {id}");
            var stages = caches.SingleOrDefault(c => Scalar(c, "path") == ".wmq/cache");
            Assert.That(stages, Is.Not.Null, $"{workflow.Name}: {id} has no wmq stage cache");
            Assert.That(Scalar(stages!, "key"), Does.Contain("packages.lock.json").And.Contain("models/**").And.Contain("pipelines/**/*.yaml"), $"{workflow.Name}: {id}");

            foreach (string line in scripts.Split('\n').Where(l => l.Contains("dotnet restore", StringComparison.Ordinal)))
            {
                Assert.That(line, Does.Contain("--locked-mode"), $"{workflow.Name}: {id}: {line.Trim()}");
            }

            foreach (string line in scripts.Split('\n').Where(l => l.Contains("--target=Release", StringComparison.Ordinal)))
            {
                Assert.That(line, Does.Contain("--locked-mode"), $"{workflow.Name}: {id}: the Release target restores too");
            }
        }
    }

    [Test]
    public void Every_project_restores_from_a_committed_lock_file()
    {
        string props = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "Directory.Build.props"));
        Assert.That(props, Does.Contain("<RestorePackagesWithLockFile>true</RestorePackagesWithLockFile>"));
        string solution = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "WmQuantPipeline.sln"));
        var projects = Regex.Matches(solution, @"""(?<path>[^""]+\.csproj)""").Select(m => m.Groups["path"].Value.Replace('\\', '/'))
            .Concat(Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "pipelines"), "*.csproj", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(RepositoryLayout.Root, p)))
            .ToList();
        Assert.That(projects, Has.Count.GreaterThanOrEqualTo(6));
        foreach (string project in projects)
        {
            string lockFile = Path.Combine(RepositoryLayout.Root, Path.GetDirectoryName(project)!, "packages.lock.json");
            Assert.That(File.Exists(lockFile), Is.True, $"{project} has no packages.lock.json (run dotnet restore and commit it)");
        }
    }

    [Test]
    public void Release_runs_on_version_tags_and_publishes_after_both_gates()
    {
        var workflow = Load(Path.Combine(Folder, "release.yml"));
        var push = Mapping(Mapping(workflow.Root, "on"), "push");
        Assert.That(List(push, "tags"), Is.EqualTo(new[] { "v*" }));
        Assert.That(Scripts(workflow.Job("cpu")), Does.Contain("--target=Release").And.Contain("--package-version"));
        Assert.That(List(workflow.Job("gpu"), "runs-on"), Is.EqualTo(GpuLabels));
        Assert.That(List(workflow.Job("publish"), "needs"), Is.EquivalentTo(new[] { "cpu", "gpu" }));
        Assert.That(Scripts(workflow.Job("publish")), Does.Contain("dotnet nuget push").And.Contain("gh release create"));
    }
}
