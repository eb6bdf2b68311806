using System.Text.Json;
using WmQuant.Contract;

namespace WmQuant.Tests.Cli;

[NonParallelizable]
public sealed class DoctorCommandTests
{
    [Test]
    public void doctor_on_the_cpu_checks_a_matmul_and_passes()
    {
        var text = WmqResult.Run("doctor", "--device", "cpu");
        var json = WmqResult.Run("doctor", "--device", "cpu", "--json");

        Assert.That(json.ExitCode, Is.EqualTo(ExitCodes.Passed), json.ToString());
        using var report = JsonDocument.Parse(json.Out);
        Assert.Multiple(() =>
        {
            Assert.That(text.ExitCode, Is.EqualTo(ExitCodes.Passed), text.ToString());
            Assert.That(text.Out, Does.Match(@"(?m)^device +cpu \(cpu requested\)$"));
            Assert.That(text.Out, Does.Match(@"(?m)^matmul cpu float32 512\^3 +.* ok$"));
            Assert.That(text.Out, Does.Match(@"(?m)^verdict +ok$"));
            Assert.That(report.RootElement.GetProperty("verdict").GetString(), Is.EqualTo("ok"));
            Assert.That(text.Error + json.Error, Is.Empty);
        });
    }

    [TestCase("0", "--threads must be 1 … 1024")]
    [TestCase("abc", "Cannot parse argument 'abc' for option '--threads'")]
    public void doctor_with_a_thread_count_that_is_no_count_is_a_command_line_error(string threads, string message)
    {
        var result = WmqResult.Run("doctor", "--threads", threads);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.InvalidInput), result.ToString());
            Assert.That(result.Error, Does.StartWith($"error {DiagnosticCodes.CommandLine}: {message}"));
            Assert.That(result.Out, Is.Empty);
        });
    }
}
