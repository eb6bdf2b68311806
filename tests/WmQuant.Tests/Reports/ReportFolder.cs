using WmQuant.Tests.Support;

namespace WmQuant.Tests.Reports;

/// <summary>A temporary report folder with shorthands for the files in it; deleted on dispose.</summary>
internal sealed class ReportFolder : IDisposable
{
    private readonly TempDirectory _directory = new();

    public string Path => _directory.Path;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Read(string name) => System.IO.File.ReadAllText(File(name));

    public void Dispose() => _directory.Dispose();
}
