namespace WmQuant.Build.Tooling;

/// <summary>
/// How to start wmq: an executable, plus the assembly to hand it when that executable is the dotnet host
/// (`dotnet exec wmq.dll ...`). Kept apart from the task so every way of naming the tool is testable without MSBuild.
/// </summary>
/// <param name="Executable">The program to start (absolute when it was found).</param>
/// <param name="Assembly">wmq.dll when <see cref="Executable"/> is the dotnet host, else null.</param>
internal sealed record WmqLaunch(string Executable, string? Assembly);
