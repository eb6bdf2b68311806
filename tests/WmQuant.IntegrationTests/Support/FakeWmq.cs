namespace WmQuant.IntegrationTests.Support;

/// <summary>
/// A shell script standing in for wmq in task tests: prints the given standard error and standard output and exits
/// with the given code, and records its arguments, so the task's parsing is tested without TorchSharp or minutes of CPU.
/// </summary>
internal static class FakeWmq
{
    public static string Create(TempFolder folder, string stdout, string stderr, int exitCode, string name = "wmq")
    {
        string outFile = folder.Write(name + ".stdout", stdout);
        string errFile = folder.Write(name + ".stderr", stderr);
        string argsFile = folder.Combine(name + ".args");
        string script = folder.Write(name, $"""
            #!/bin/sh
            printf '%s\n' "$@" > '{argsFile}'
            printf '%s' "$WMQ_NO_ANNOTATIONS" > '{argsFile}.no-annotations'
            cat '{errFile}' >&2
            cat '{outFile}'
            exit {exitCode}
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return script;
    }

    /// <summary>The arguments the script was last run with, one per line.</summary>
    public static string[] Arguments(TempFolder folder, string name = "wmq") => File.ReadAllLines(folder.Combine(name + ".args"));

    /// <summary>WMQ_NO_ANNOTATIONS as the script last saw it ("" when unset).</summary>
    public static string NoAnnotations(TempFolder folder, string name = "wmq") => File.ReadAllText(folder.Combine(name + ".args.no-annotations"));
}
