using System.Xml.Linq;
using WmQuant.Cli.Ci;

namespace WmQuant.Tests.Ci;

public class JUnitGateReportTests
{
    [Test]
    public void One_suite_per_run_and_one_case_per_gate_with_failures_and_errors_typed_by_code()
    {
        var first = CiSamples.Run(CiSamples.Failed(), CiSamples.NotJudged(), CiSamples.Passed());
        var second = CiSamples.Run(CiSamples.Passed()) with { RecipeName = "wall-w3g64" };

        var xml = XDocument.Parse(JUnitGateReport.Render([first, second], CiSamples.Repo));

        var root = xml.Root!;
        Assert.That(root.Name.LocalName, Is.EqualTo("testsuites"));
        Assert.That((int)root.Attribute("tests")!, Is.EqualTo(4));
        Assert.That((int)root.Attribute("failures")!, Is.EqualTo(1));
        Assert.That((int)root.Attribute("errors")!, Is.EqualTo(1));
        var suites = root.Elements("testsuite").ToList();
        Assert.That(suites.Select(s => (string)s.Attribute("name")!), Is.EqualTo(new[] { "wall-w4g128", "wall-w3g64" }));
        Assert.That(suites[0].Attribute("timestamp"), Is.Null, "no timestamp unless given");

        var cases = suites[0].Elements("testcase").ToList();
        Assert.That(cases.Select(c => (string)c.Attribute("name")!), Is.EqualTo(new[]
        {
            "success_rate min 0.85 (quantize.yaml:22)",
            "success_rate max_drop_vs_baseline 0.00 (quantize.yaml:23)",
            "state_distance max 1.000 (quantize.yaml:24)",
        }));
        var failure = cases[0].Element("failure")!;
        Assert.That((string)failure.Attribute("type")!, Is.EqualTo("WMQ4001"));
        Assert.That((string)failure.Attribute("message")!, Is.EqualTo("success_rate 0.80 < min 0.85 (95% Wilson [0.67, 0.89])"));
        Assert.That(failure.Value, Is.EqualTo("quantize.yaml(22,5): error WMQ4001: gate success_rate min failed: success_rate 0.80 < min 0.85 (95% Wilson [0.67, 0.89])"));
        var error = cases[1].Element("error")!;
        Assert.That((string)error.Attribute("type")!, Is.EqualTo("WMQ4002"));
        Assert.That((string)error.Attribute("message")!, Is.EqualTo("no baseline | run"));
        Assert.That(cases[2].Element("failure"), Is.Null);
        Assert.That(cases[2].Element("error"), Is.Null);
        Assert.That(cases[2].Element("system-out")!.Value, Does.StartWith("state_distance 0.900 <= max"));
        Assert.That((string)cases[0].Attribute("file")!, Is.EqualTo("quantize.yaml"));
        Assert.That((int)cases[0].Attribute("line")!, Is.EqualTo(22));
        var properties = suites[0].Element("properties")!.Elements("property").ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!);
        Assert.That(properties["artifact"], Is.EqualTo("artifacts/wall-w4g128/1.0.0"));
        Assert.That(properties["success_rate.baseline"], Is.EqualTo("0.96"));
        Assert.That(properties["success_rate.candidate"], Is.EqualTo("0.8"));
    }

    [Test]
    public void Output_is_deterministic_and_carries_a_timestamp_only_when_given()
    {
        var run = CiSamples.Run(CiSamples.Failed());

        string once = JUnitGateReport.Render([run]);
        string twice = JUnitGateReport.Render([run]);
        string stamped = JUnitGateReport.Render([run], timestamp: new DateTimeOffset(2025, 1, 2, 4, 4, 5, TimeSpan.FromHours(1)));

        Assert.That(twice, Is.EqualTo(once));
        Assert.That(once, Does.StartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites"));
        Assert.That((string)XDocument.Parse(stamped).Root!.Element("testsuite")!.Attribute("timestamp")!, Is.EqualTo("2025-01-02T03:04:05"));
    }

    [Test]
    public void Characters_xml_cannot_carry_are_replaced_and_markup_is_escaped()
    {
        var run = CiSamples.Run(CiSamples.Failed(message: "bad \u0001 byte <b>&\"quoted\"</b> \ud800 lone, 😀 kept"));

        string text = JUnitGateReport.Render([run]);
        var failure = XDocument.Parse(text).Root!.Element("testsuite")!.Element("testcase")!.Element("failure")!;

        Assert.That((string)failure.Attribute("message")!, Is.EqualTo("bad \uFFFD byte <b>&\"quoted\"</b> \uFFFD lone, 😀 kept"));
    }

    [Test]
    public void Write_puts_the_same_text_in_a_file_without_a_byte_order_mark()
    {
        string path = Path.Combine(Path.GetTempPath(), $"wmq-junit-{Guid.NewGuid():N}.xml");
        try
        {
            var runs = new[] { CiSamples.Run(CiSamples.Passed()) };
            JUnitGateReport.Write(path, runs);

            byte[] bytes = File.ReadAllBytes(path);
            Assert.That(bytes[0], Is.EqualTo((byte)'<'));
            Assert.That(File.ReadAllText(path), Is.EqualTo(JUnitGateReport.Render(runs)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
