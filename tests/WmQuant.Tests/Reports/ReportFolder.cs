namespace WmQuant.Tests.Reports;

/// <summary>A temporary report folder, deleted on dispose.</summary>
internal sealed class ReportFolder : IDisposable
{
    public ReportFolder() => Path = Directory.CreateTempSubdirectory("wmq-report-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Read(string name) => System.IO.File.ReadAllText(File(name));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
