namespace WmQuant.Build.Tooling;

/// <summary>
/// How to start wmq: an executable, plus the assembly to hand it when that executable is the dotnet host
/// (`dotnet exec wmq.dll ...`), or the tool manifest when wmq is a local .NET tool (`dotnet tool run wmq ...`).
/// Kept apart from the task so every way of naming the tool is testable without MSBuild.
/// </summary>
/// <param name="Executable">The program to start (absolute when it was found).</param>
/// <param name="Assembly">wmq.dll when <see cref="Executable"/> is the dotnet host, else null.</param>
/// <param name="Manifest">The dotnet-tools.json that lists wmq when <see cref="Executable"/> runs it as a local tool, else null.</param>
internal sealed record WmqLaunch(string Executable, string? Assembly, string? Manifest = null)
{
    /// <summary>What comes between the executable and wmq's own arguments.</summary>
    public IReadOnlyList<string> Prefix => Manifest is not null ? ["tool", "run", WmqLocator.ToolName]
        : Assembly is not null ? ["exec", Assembly]
        : [];
}
