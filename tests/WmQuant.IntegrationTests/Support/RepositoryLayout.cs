using System.Reflection;

namespace WmQuant.IntegrationTests.Support;

/// <summary>Where the checkout and its build outputs are, as recorded when this test assembly was built.</summary>
internal static class RepositoryLayout
{
    public static string Root { get; } = Metadata("WmQuant.RepositoryRoot");

    public static string Configuration { get; } = Metadata("WmQuant.Configuration");

    /// <summary>The built wmq (run with the dotnet host).</summary>
    public static string WmqDll => Path.Combine(Root, "src", "WmQuant.Cli", "bin", Configuration, "net10.0", "wmq.dll");

    /// <summary>The built task assembly.</summary>
    public static string TasksAssembly => Path.Combine(Root, "src", "WmQuant.Build", "bin", Configuration, "net10.0", "WmQuant.Build.dll");

    /// <summary>The props and targets a package consumer imports.</summary>
    public static string BuildFolder => Path.Combine(Root, "src", "WmQuant.Build", "build");

    public static string TasksProject => Path.Combine(Root, "src", "WmQuant.Build", "WmQuant.Build.csproj");

    /// <summary>The wmq project (packed as the WmQuant.Cli tool).</summary>
    public static string CliProject => Path.Combine(Root, "src", "WmQuant.Cli", "WmQuant.Cli.csproj");

    /// <summary>The checkout's commit (what the SDK stamps into the build), or null outside a git checkout.</summary>
    public static string? Commit()
    {
        try
        {
            var head = ProcessRun.Run("git", Root, TimeSpan.FromMinutes(1), "rev-parse", "HEAD");
            string sha = head.Output.Trim();
            return head.ExitCode == 0 && sha.Length == 40 && sha.All(Uri.IsHexDigit) ? sha : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The bundled Wall reference model folder.</summary>
    public static string WallModel => Path.Combine(Root, "models", "wall");

    private static string Metadata(string key) =>
        typeof(RepositoryLayout).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"assembly metadata {key} is missing");
}
