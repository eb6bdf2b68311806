using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Pipeline;
using WmQuant.Runtime;
using WmQuant.Tests.Runtime;

namespace WmQuant.Tests.Pipeline;

/// <summary>What <c>wmq run</c> and <c>wmq tune</c> report as the environment's failure (exit 3), and what stays a bug.</summary>
public class EnvironmentFailuresTests
{
    private static readonly SourcePosition At = new("pipelines/r.yaml", 1, 1);

    private static Diagnostic? Diagnose(Exception e) => EnvironmentFailures.Diagnose(e, At, "r", "cancelled; rerun to resume");

    [Test]
    public void Cancellation_says_what_the_caller_says_it_leaves_behind()
    {
        var d = Diagnose(new OperationCanceledException());

        Assert.That(d, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(d!.Code, Is.EqualTo(DiagnosticCodes.StageFailed));
            Assert.That(d.Message, Is.EqualTo("r: cancelled; rerun to resume"));
            Assert.That(d.Position, Is.EqualTo(At));
        });
    }

    [Test]
    public void Running_out_of_memory_is_its_own_code_in_one_line()
    {
        var d = Diagnose(new AllocationFailureTests.LibTorchError(AllocationFailureTests.CpuMessage));

        Assert.That(d, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(d!.Code, Is.EqualTo(DiagnosticCodes.OutOfMemory));
            Assert.That(d.Message, Does.Not.Contain("frame #"));
        });
    }

    [TestCase(typeof(IOException))]
    [TestCase(typeof(UnauthorizedAccessException))]
    [TestCase(typeof(InvalidDataException))]
    public void File_system_and_data_failures_name_the_recipe(Type type)
    {
        var d = Diagnose((Exception)Activator.CreateInstance(type, "disk full")!);

        Assert.That(d, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(d!.Code, Is.EqualTo(DiagnosticCodes.StageFailed));
            Assert.That(d.Message, Is.EqualTo("r failed: disk full"));
        });
    }

    [Test]
    public void A_device_failure_is_the_environments_and_anything_else_is_a_bug()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Diagnose(new TorchRuntimeException("no CUDA"))?.Code, Is.EqualTo(DiagnosticCodes.StageFailed));
            Assert.That(Diagnose(new InvalidOperationException("a bug")), Is.Null, "bugs escape to the last-resort handler");
            Assert.That(Diagnose(new ArgumentException("also a bug")), Is.Null);
        });
    }
}
