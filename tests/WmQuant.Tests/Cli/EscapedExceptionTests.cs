using WmQuant.Cli;
using WmQuant.Contract;
using WmQuant.Tests.Runtime;

namespace WmQuant.Tests.Cli;

/// <summary>What wmq prints for an exception that escapes a command: one canonical line, never a native stack trace.</summary>
public sealed class EscapedExceptionTests
{
    [Test]
    public void Libtorch_running_out_of_memory_is_an_environment_failure_not_a_bug()
    {
        var diagnostic = Program.Escaped(new AllocationFailureTests.LibTorchError(AllocationFailureTests.CpuMessage));
        string line = diagnostic.ToCanonicalString();

        Assert.Multiple(() =>
        {
            Assert.That(diagnostic.Code, Is.EqualTo(DiagnosticCodes.OutOfMemory));
            Assert.That(ExitCodes.ForErrors([diagnostic.Code]), Is.EqualTo(ExitCodes.EnvironmentFailure));
            Assert.That(line, Is.EqualTo("error WMQ3304: out of memory: tried to allocate 33.6 GiB on cpu; "
                + "lower calibration.episodes / evaluation.episodes or set evaluation.planner.max_batch; run on a machine with more memory"));
            Assert.That(line, Does.Not.Contain("bug"));
        });
    }

    [Test]
    public void Other_libtorch_errors_stay_bugs_but_lose_their_native_trace()
    {
        var diagnostic = Program.Escaped(new AllocationFailureTests.LibTorchError("shape '[2, 3]' is invalid for input of size 5\nException raised from infer_size_impl at aten/src/ATen/InferSize.h:100\nframe #0: c10::Error::Error()"));
        string line = diagnostic.ToCanonicalString();

        Assert.Multiple(() =>
        {
            Assert.That(diagnostic.Code, Is.EqualTo(DiagnosticCodes.InternalError));
            Assert.That(line, Does.Contain("(LibTorchError: shape '[2, 3]' is invalid for input of size 5)").And.Contain("this is a bug"));
            Assert.That(line, Does.Not.Contain("frame #").And.Not.Contain("Exception raised from").And.Not.Contain("\\n"));
        });
    }
}
