using WmQuant.Build.Diagnostics;

namespace WmQuant.IntegrationTests.BuildTasks;

[TestFixture]
public class CanonicalDiagnosticParserTests
{
    [Test]
    public void Gate_failure_line_gives_code_file_and_position()
    {
        Assert.That(CanonicalDiagnosticParser.TryParse("recipes/quick.yaml(14,5): error WMQ4001: gate success_rate min failed: success_rate 0.000 < min 1", out var d), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(d.File, Is.EqualTo("recipes/quick.yaml"));
            Assert.That(d.Line, Is.EqualTo(14));
            Assert.That(d.Column, Is.EqualTo(5));
            Assert.That(d.IsWarning, Is.False);
            Assert.That(d.Code, Is.EqualTo("WMQ4001"));
            Assert.That(d.Message, Is.EqualTo("gate success_rate min failed: success_rate 0.000 < min 1"));
        });
    }

    [Test]
    public void Warning_with_line_only_and_absolute_path()
    {
        Assert.That(CanonicalDiagnosticParser.TryParse("/repo/r.yaml(7): warning WMQ1203: group size 128 does not divide 404", out var d), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(d.File, Is.EqualTo("/repo/r.yaml"));
            Assert.That(d.Line, Is.EqualTo(7));
            Assert.That(d.Column, Is.Zero);
            Assert.That(d.IsWarning, Is.True);
            Assert.That(d.Code, Is.EqualTo("WMQ1203"));
        });
    }

    [Test]
    public void Origin_without_position_and_no_origin_at_all()
    {
        Assert.That(CanonicalDiagnosticParser.TryParse("quantize.yaml: error WMQ3201: no CUDA device", out var withFile), Is.True);
        Assert.That(withFile.File, Is.EqualTo("quantize.yaml"));
        Assert.That(withFile.Line, Is.Zero);

        Assert.That(CanonicalDiagnosticParser.TryParse("error WMQ2001: --dtype must be fp32", out var bare), Is.True);
        Assert.That(bare.File, Is.Null);
        Assert.That(bare.Message, Is.EqualTo("--dtype must be fp32"));
    }

    [Test]
    public void Message_may_itself_contain_colons_and_parentheses()
    {
        Assert.That(CanonicalDiagnosticParser.TryParse("a b/r.yaml(2,7): error WMQ1002: malformed YAML: see (2,7): here", out var d), Is.True);
        Assert.That(d.File, Is.EqualTo("a b/r.yaml"));
        Assert.That(d.Message, Is.EqualTo("malformed YAML: see (2,7): here"));
    }

    [TestCase("  gate success_rate min: FAILED — success_rate 0.000 < min 1")]
    [TestCase("== wall-quick")]
    [TestCase("    34.6s evaluate-fp [0/2] MPC iteration 1/2: 0 succeeded, 2 planning")]
    [TestCase("wmq 0.1.0: 1 recipe(s) on cpu (2 threads); artifacts in /tmp/x")]
    [TestCase("the word error appears here: but not as a code")]
    [TestCase("")]
    public void Progress_text_is_not_a_diagnostic(string line)
    {
        Assert.That(CanonicalDiagnosticParser.TryParse(line, out _), Is.False);
    }
}
