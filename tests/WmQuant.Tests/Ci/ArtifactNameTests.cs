using System.Text.RegularExpressions;
using WmQuant.Recipes;
using WmQuant.Tests.Recipes;

namespace WmQuant.Tests.Ci;

/// <summary>
/// Artifact folders share one layout, &lt;output&gt;/&lt;artifact name&gt;/, for `wmq run` and Cake alike, so two shipped
/// recipes may never name the same artifact (one would overwrite the other's folder and package), and no artifact may
/// take the name of a folder Cake or the workflows keep beside them.
/// </summary>
public partial class ArtifactNameTests
{
    private static readonly RecipeLoadOptions NoFileChecks = new() { CheckFiles = false };

    [GeneratedRegex(@"output\.Combine\(""(?<name>[^""]+)""\)")]
    private static partial Regex CakeFolder();

    [GeneratedRegex(@"artifacts/(?<name>[a-z][a-z0-9-]*)/")]
    private static partial Regex WorkflowFolder();

    /// <summary>Every recipe that runs on its own: quantize.yaml and pipelines/**, bases (base*.yaml) excepted as Cake skips them.</summary>
    private static IEnumerable<string> ShippedRecipes() =>
        Directory.EnumerateFiles(RepositoryFiles.PathOf("pipelines"), "*.yaml", SearchOption.AllDirectories)
            .Where(p => !Path.GetFileName(p).StartsWith("base", StringComparison.Ordinal))
            .Append(RepositoryFiles.PathOf("quantize.yaml"))
            .Order(StringComparer.Ordinal);

    private static List<(string File, string Artifact)> Artifacts() =>
        [.. ShippedRecipes().SelectMany(file => RecipeLoader.Load(file, NoFileChecks).Recipes
            .Select(r => (Path.GetRelativePath(RepositoryFiles.Root, file), r.Artifact.Name)))];

    [Test]
    public void Every_shipped_recipe_names_an_artifact_of_its_own()
    {
        var artifacts = Artifacts();
        Assert.That(artifacts.Select(a => a.File).Distinct().Count(), Is.EqualTo(ShippedRecipes().Count()), "every recipe loaded");
        var shared = artifacts.GroupBy(a => a.Artifact, StringComparer.Ordinal).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(a => a.File))}").ToList();
        Assert.That(shared, Is.Empty, "artifact names used more than once");
    }

    [Test]
    public void No_artifact_is_named_like_a_folder_cake_or_the_workflows_keep_beside_the_artifacts()
    {
        string cake = File.ReadAllText(RepositoryFiles.PathOf("build/build.cake"));
        var reserved = CakeFolder().Matches(cake).Select(m => m.Groups["name"].Value)
            .Concat(Directory.EnumerateFiles(RepositoryFiles.PathOf(".github/workflows"), "*.yml")
                .SelectMany(f => WorkflowFolder().Matches(File.ReadAllText(f)).Select(m => m.Groups["name"].Value)))
            .ToHashSet(StringComparer.Ordinal);
        Assert.That(reserved, Is.SupersetOf(new[] { "packages", "junit" }), "the folders were found where they are made");
        Assert.That(Artifacts().Where(a => reserved.Contains(a.Artifact)), Is.Empty);
    }
}
