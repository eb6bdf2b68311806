using WmQuant.TestSupport;

namespace WmQuant.IntegrationTests.Support;

/// <summary>
/// A throwaway git repository for build fixtures: the bundled Wall model copied in (recipe paths must stay inside
/// the repository), and one wmq stage cache shared by every fixture of the test run, so the model is evaluated once
/// and later builds exercise MSBuild's behaviour rather than the CPU.
/// </summary>
internal sealed class FixtureRepository : IDisposable
{
    private readonly TempFolder folder = new("wmq-it");

    public FixtureRepository()
    {
        // wmq takes the nearest ancestor with a .git entry as the repository; `git init` when git exists, else the folder alone.
        var init = TryGit("init", "-q");
        if (init is null || init.ExitCode != 0)
        {
            Directory.CreateDirectory(folder.Combine(".git"));
        }

        foreach (string file in new[] { "model.safetensors", "model.yaml", "normalization.json" })
        {
            string target = folder.Combine("models", "wall", file);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(System.IO.Path.Combine(RepositoryLayout.WallModel, file), target);
        }

        Directory.CreateDirectory(CacheDirectory);
    }

    public string Root => folder.Path;

    public string CacheDirectory => folder.Combine("wmq-cache");

    public string Combine(params string[] parts) => folder.Combine(parts);

    public string Write(string relative, string content) => folder.Write(relative, content);

    /// <summary>A recipe for the bundled model that evaluates 2 episodes for 1 MPC iteration on the CPU (seconds once cached).</summary>
    public static string QuickRecipe(string name, string gate = "{ metric: success_rate, min: 0.0 }") =>
        QuickRecipes.Text(name, "../models/wall", gate);

    /// <summary>The 1-based line of the first line of <paramref name="text"/> that contains <paramref name="fragment"/>.</summary>
    public static int LineOf(string text, string fragment) =>
        Array.FindIndex(text.ReplaceLineEndings("\n").Split('\n'), l => l.Contains(fragment, StringComparison.Ordinal)) + 1;

    /// <summary>A project that imports the tasks straight from the source tree (the package layout is tested separately).</summary>
    public string WriteSourceProject(string folderName, string recipeFile, string extraProperties = "")
    {
        return Write($"{folderName}/{folderName}.csproj", $"""
            <Project>
              <Import Project="Sdk.props" Sdk="Microsoft.NET.Sdk" />
              <Import Project="{RepositoryLayout.BuildFolder}/WmQuant.Build.props" />
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <WmQuantTasksAssembly>{RepositoryLayout.TasksAssembly}</WmQuantTasksAssembly>
                <WmQuantToolPath>{RepositoryLayout.WmqDll}</WmQuantToolPath>
                <WmQuantCacheDirectory>{CacheDirectory}</WmQuantCacheDirectory>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <WmQuantRecipe Include="{recipeFile}" />
              </ItemGroup>
              <Import Project="Sdk.targets" Sdk="Microsoft.NET.Sdk" />
              <Import Project="{RepositoryLayout.BuildFolder}/WmQuant.Build.targets" />
            </Project>
            """);
    }

    /// <summary>`dotnet build` at normal verbosity (the up-to-date check's skip message is a normal-importance message).</summary>
    public ProcessResult Build(string project, params string[] extra) =>
        ProcessRun.Dotnet(Root, TimeSpan.FromMinutes(9), ["build", project, "-c", "Release", "-v:n", "-nologo", "-nodeReuse:false", .. extra]);

    public void Dispose() => folder.Dispose();

    private ProcessResult? TryGit(params string[] arguments)
    {
        try
        {
            return ProcessRun.Run("git", Root, TimeSpan.FromMinutes(1), arguments);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
