using System.Security.Cryptography;
using WmQuant.Reports;

namespace WmQuant.Tests.Reports;

[TestFixture]
public sealed class ReportDeterminismTests
{
    [Test]
    public void Identical_reports_give_byte_identical_files()
    {
        using var first = new ReportFolder();
        using var second = new ReportFolder();
        var written = ReportWriter.Write(SampleReports.Failed(), first.Path);
        // A different report in between: no state may leak from one render into the next.
        using (var other = new ReportFolder())
        {
            ReportWriter.Write(SampleReports.Minimal(), other.Path);
        }

        ReportWriter.Write(SampleReports.Failed(), second.Path);

        Assert.That(written, Has.Count.EqualTo(7));
        Assert.Multiple(() =>
        {
            foreach (var path in written)
            {
                var name = Path.GetFileName(path);
                var bytes = File.ReadAllBytes(path);
                Assert.That(File.ReadAllBytes(second.File(name)), Is.EqualTo(bytes), name);
                // Printed so two separate test runs (processes) can be compared by hand.
                TestContext.Out.WriteLine($"{Convert.ToHexStringLower(SHA256.HashData(bytes))}  {name}");
            }
        });
    }

    [Test]
    public void Rewriting_a_folder_in_place_keeps_its_bytes()
    {
        using var folder = new ReportFolder();
        ReportWriter.Write(SampleReports.Passed(), folder.Path);
        var before = ReportFileNames.Images.Append(ReportFileNames.Html).ToDictionary(name => name, name => File.ReadAllBytes(folder.File(name)));

        ReportWriter.Write(SampleReports.Passed(), folder.Path);

        Assert.Multiple(() =>
        {
            foreach (var (name, bytes) in before)
            {
                Assert.That(File.ReadAllBytes(folder.File(name)), Is.EqualTo(bytes), name);
            }
        });
    }
}
