// Build orchestration for WmQuantPipeline (Cake.Tool 7.0.0, a local tool: see .config/dotnet-tools.json).
//   dotnet tool restore && dotnet cake build/build.cake --target=Test
// Cake.Frosting is not served by the package registry here, so the targets live in this script;
// each target body is a few calls, easy to move into Frosting tasks later.
var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var device = Argument("device", "auto");

var root = MakeAbsolute(Directory(".."));
var solution = root.CombineWithFilePath("WmQuantPipeline.sln");
var cli = root.CombineWithFilePath("src/WmQuant.Cli/WmQuant.Cli.csproj");

Task("Clean")
    .Does(() =>
{
    DotNetClean(solution.FullPath, new DotNetCleanSettings { Configuration = configuration });
});

Task("Prerequisites")
    .Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = root.CombineWithFilePath("build/prerequisites.sh").FullPath });
    if (exit != 0) throw new Exception($"build/prerequisites.sh failed with exit code {exit}");
});

Task("Restore")
    .Does(() => DotNetRestore(solution.FullPath));

Task("Build")
    .IsDependentOn("Prerequisites")
    .IsDependentOn("Restore")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration, NoRestore = true });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetTest(solution.FullPath, new DotNetTestSettings { Configuration = configuration, NoBuild = true, NoRestore = true });
});

Task("Doctor")
    .IsDependentOn("Build")
    .Does(() =>
{
    DotNetRun(cli.FullPath, new ProcessArgumentBuilder().Append("doctor").Append("--device").Append(device),
        new DotNetRunSettings { Configuration = configuration, NoBuild = true, NoRestore = true });
});

RunTarget(target);
