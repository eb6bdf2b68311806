using System.Diagnostics;

namespace WmQuant.Runtime;

/// <summary>A libtorch folder other than the CPU build TorchSharp-cpu ships, and where it came from.</summary>
/// <param name="Directory">The folder holding libtorch*.so and libc10*.so.</param>
/// <param name="Source">How it was found (option, environment variable, Python install).</param>
/// <param name="Version">The PyTorch version when it could be read, else null.</param>
public sealed record LibTorchLocation(string Directory, string Source, string? Version)
{
    /// <summary>Whether the folder holds a CUDA build (libtorch_cuda.so).</summary>
    public bool HasCuda => File.Exists(Path.Combine(Directory, "libtorch_cuda.so"));
}

/// <summary>
/// Finds a CUDA-capable libtorch: NuGet serves no CUDA TorchSharp package here, so GPU agents
/// use the libtorch of an existing PyTorch install (DESIGN.md §3).
/// </summary>
public static class LibTorchLocator
{
    /// <summary>The environment variable naming a libtorch lib folder.</summary>
    public const string EnvironmentVariable = "LIBTORCH_DIR";

    /// <summary>Looks at, in order: the explicit folder, LIBTORCH_DIR, then a Python PyTorch install.</summary>
    public static LibTorchLocation? Locate(string? explicitDirectory, bool probePython, out string searched)
    {
        var notes = new List<string>();
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            var location = FromDirectory(explicitDirectory, "--libtorch", notes);
            searched = string.Join("; ", notes);
            return location;
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            var location = FromDirectory(fromEnvironment, EnvironmentVariable, notes);
            if (location is not null)
            {
                searched = string.Join("; ", notes);
                return location;
            }
        }
        else
        {
            notes.Add($"{EnvironmentVariable} not set");
        }

        if (probePython)
        {
            string? torchPackage = FindPythonTorchPackage(notes);
            if (torchPackage is not null)
            {
                var location = FromDirectory(Path.Combine(torchPackage, "lib"), "Python PyTorch install", notes);
                if (location is not null)
                {
                    searched = string.Join("; ", notes);
                    return location;
                }
            }
        }

        searched = string.Join("; ", notes);
        return null;
    }

    private static LibTorchLocation? FromDirectory(string directory, string source, List<string> notes)
    {
        string full = Path.GetFullPath(directory);
        if (!File.Exists(Path.Combine(full, "libtorch.so")))
        {
            notes.Add($"{source}: {full} has no libtorch.so");
            return null;
        }

        notes.Add($"{source}: {full}");
        return new LibTorchLocation(full, source, ReadPythonTorchVersion(full));
    }

    /// <summary>Reads torch/version.py beside a torch/lib folder (PyTorch installs only).</summary>
    private static string? ReadPythonTorchVersion(string libDirectory)
    {
        string versionFile = Path.Combine(Path.GetDirectoryName(libDirectory) ?? libDirectory, "version.py");
        if (!File.Exists(versionFile))
        {
            return null;
        }

        foreach (var line in File.ReadLines(versionFile))
        {
            if (line.StartsWith("__version__", StringComparison.Ordinal))
            {
                int quote = line.IndexOfAny(['\'', '"']);
                int end = quote < 0 ? -1 : line.IndexOf(line[quote], quote + 1);
                if (end > quote)
                {
                    return line[(quote + 1)..end];
                }
            }
        }

        return null;
    }

    /// <summary>Asks python3 where the torch package is, without importing it (fast, no CUDA init).</summary>
    private static string? FindPythonTorchPackage(List<string> notes)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import importlib.util, os; s = importlib.util.find_spec('torch'); print(os.path.dirname(s.origin) if s and s.origin else '')");
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                notes.Add("python3 could not be started");
                return null;
            }

            string output = process.StandardOutput.ReadToEnd().Trim();
            if (!process.WaitForExit(15_000))
            {
                process.Kill();
                notes.Add("python3 did not answer within 15 s");
                return null;
            }

            if (output.Length == 0)
            {
                notes.Add("python3 has no torch package");
                return null;
            }

            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            notes.Add("python3 not found");
            return null;
        }
    }
}
