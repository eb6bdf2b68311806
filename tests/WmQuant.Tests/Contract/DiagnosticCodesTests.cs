using System.Text.RegularExpressions;
using WmQuant.Contract;
using WmQuant.Tests.Recipes;

namespace WmQuant.Tests.Contract;

/// <summary>Every code the sources can emit is one constant of the contract, documented once in ERROR_CODES.md.</summary>
public partial class DiagnosticCodesTests
{
    private static readonly IReadOnlyList<string> Constants =
        [.. typeof(DiagnosticCodes).GetFields().Select(f => (string)f.GetValue(null)!)];

    [Test]
    public void Codes_are_unique_and_msbuild_friendly()
    {
        Assert.That(Constants, Is.Unique);
        Assert.That(Constants, Has.All.Matches(CodeForm()));
    }

    [Test]
    public void Every_code_is_documented_and_every_documented_code_exists()
    {
        string doc = File.ReadAllText(RepositoryFiles.PathOf("src/Contract/ERROR_CODES.md"));
        var documented = DocumentedCode().Matches(doc).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Multiple(() =>
        {
            Assert.That(Constants.Where(c => !documented.Contains(c)), Is.Empty, "codes without a row in ERROR_CODES.md");
            Assert.That(documented.Where(c => !Constants.Contains(c)), Is.Empty, "rows for codes that do not exist");
        });
    }

    [Test]
    public void No_source_file_spells_a_code_that_is_not_a_contract_constant()
    {
        var sources = Directory.EnumerateFiles(RepositoryFiles.PathOf("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        var literals = sources
            .Where(f => !f.EndsWith("DiagnosticCodes.cs", StringComparison.Ordinal))
            .SelectMany(f => QuotedCode().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Code: m.Groups[1].Value)))
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(sources, Has.Count.GreaterThan(100), "the walk found the sources");
            Assert.That(literals.Where(l => !Constants.Contains(l.Code)), Is.Empty, "codes spelled outside DiagnosticCodes");
            // Only the inline MSBuild task (compiled alone by RoslynCodeTaskFactory) may spell its two codes itself.
            Assert.That(literals.Where(l => l.File != "ElfSymbolVersions.cs").Select(l => $"{l.File}: {l.Code}"), Is.Empty,
                "use DiagnosticCodes.X instead of a literal");
        });
    }

    [Test]
    public void Exit_codes_are_the_four_documented_ones_and_statuses_map_onto_them()
    {
        string readme = File.ReadAllText(RepositoryFiles.PathOf("README.md"));
        Assert.Multiple(() =>
        {
            Assert.That(new[] { ExitCodes.Passed, ExitCodes.GateFailed, ExitCodes.InvalidInput, ExitCodes.EnvironmentFailure }, Is.EqualTo(new[] { 0, 1, 2, 3 }));
            foreach (int code in new[] { 0, 1, 2, 3 })
            {
                Assert.That(readme, Does.Contain($"| {code} |"), $"exit code {code} in the README table");
            }

            Assert.That(Enum.GetValues<RunStatus>().Select(RunStatuses.ExitCode).Distinct().Order(), Is.EqualTo(new[] { 0, 1, 2, 3 }));
            Assert.That(RunStatuses.ExitCode(RunStatus.GateFailed), Is.EqualTo(1), "1 means a gate failed and nothing else");
            Assert.That(Enum.GetValues<RunStatus>().Where(s => RunStatuses.ExitCode(s) == 1), Is.EqualTo(new[] { RunStatus.GateFailed }));
            Assert.That(RunStatuses.Worst([RunStatus.Passed, RunStatus.GateFailed, RunStatus.Ungated]), Is.EqualTo(RunStatus.GateFailed));
        });
    }

    [Test]
    public void errors_lead_to_the_exit_code_of_their_family_bad_input_first()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ExitCodes.ForErrors([]), Is.EqualTo(ExitCodes.Passed));
            Assert.That(ExitCodes.ForErrors([DiagnosticCodes.OptionValue]), Is.EqualTo(ExitCodes.InvalidInput));
            Assert.That(ExitCodes.ForErrors([DiagnosticCodes.ModelUnreadable, DiagnosticCodes.ArtifactMismatch]), Is.EqualTo(ExitCodes.InvalidInput));
            Assert.That(ExitCodes.ForErrors([DiagnosticCodes.DeviceUnavailable]), Is.EqualTo(ExitCodes.EnvironmentFailure));
            Assert.That(ExitCodes.ForErrors([DiagnosticCodes.OutputUnwritable, DiagnosticCodes.StageFailed, DiagnosticCodes.InternalError]),
                Is.EqualTo(ExitCodes.EnvironmentFailure));
            Assert.That(ExitCodes.ForErrors([DiagnosticCodes.GateFailed, DiagnosticCodes.GateNotJudged]), Is.EqualTo(ExitCodes.GateFailed));
            Assert.That(ExitCodes.ForErrors([DiagnosticCodes.GateFailed, DiagnosticCodes.OutputUnwritable]), Is.EqualTo(ExitCodes.EnvironmentFailure));
            Assert.That(ExitCodes.ForErrors([DiagnosticCodes.DeviceUnavailable, DiagnosticCodes.InputUnusable]), Is.EqualTo(ExitCodes.InvalidInput));
        });
    }

    [GeneratedRegex("^(?!MSB)[A-Za-z]+[0-9]+$")]
    private static partial Regex CodeForm();

    [GeneratedRegex(@"^\| (WMQ\d{4}) \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedCode();

    [GeneratedRegex("\"(WMQ\\d{4})\"")]
    private static partial Regex QuotedCode();
}
