using System.Runtime.InteropServices;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Runtime;

/// <summary>libtorch running out of memory is the machine's limit (WMQ3304, exit 3, one line), not a bug.</summary>
public class AllocationFailureTests
{
    /// <summary>What TorchSharp throws for a libtorch error (an ExternalException carrying libtorch's whole message).</summary>
    internal sealed class LibTorchError(string message) : ExternalException(message);

    /// <summary>What TorchSharp raised for the full-size model's calibration planning on a CPU, native trace and all.</summary>
    internal const string CpuMessage =
        "[enforce fail at alloc_cpu.cpp:127] data. DefaultCPUAllocator: can't allocate memory: you tried to allocate 36126720000 bytes. Error code 12 (Cannot allocate memory)\n"
        + "frame #0: c10::ThrowEnforceNotMet(char const*, int, char const*, std::string const&, void const*) + 0x55 (0x7f3a2c0a1b35 in /opt/libtorch/lib/libc10.so)\n"
        + "frame #1: c10::alloc_cpu(unsigned long) + 0x3c5 (0x7f3a2c08c2e5 in /opt/libtorch/lib/libc10.so)\n"
        + "frame #2: <unknown function> + 0x1f1b2 (0x7f3a2c05c1b2 in /opt/libtorch/lib/libc10.so)\n"
        + "frame #3: at::detail::empty_generic(c10::ArrayRef<long>, c10::Allocator*, c10::DispatchKeySet, c10::ScalarType, std::optional<c10::MemoryFormat>) + 0x3a (0x7f3a14d1c86a in /opt/libtorch/lib/libtorch_cpu.so)\n";

    /// <summary>The CUDA caching allocator's message (PyTorch 2.x), with its trace.</summary>
    private const string CudaMessage =
        "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.15 GiB of which 1.06 GiB is free. Including non-PyTorch memory, "
        + "this process has 78.08 GiB memory in use. Of the allocated memory 75.12 GiB is allocated by PyTorch, and 2.30 GiB is reserved by PyTorch but unallocated. "
        + "If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.\n"
        + "Exception raised from malloc at /pytorch/c10/cuda/CUDACachingAllocator.cpp:1385 (most recent call first):\n"
        + "frame #0: c10::Error::Error(c10::SourceLocation, std::string) + 0x96 (0x7f00 in /opt/libtorch/lib/libc10.so)\n";

    private static void AssertOneLineWithoutTrace(Diagnostic diagnostic)
    {
        string line = diagnostic.ToCanonicalString();
        Assert.That(line, Does.Not.Contain("\n").And.Not.Contain("\\n").And.Not.Contain("frame #").And.Not.Contain("libc10"));
    }

    [Test]
    public void The_cpu_allocator_failure_becomes_one_line_saying_how_much_was_asked_for()
    {
        var diagnostic = AllocationFailure.Diagnose(new LibTorchError(CpuMessage));

        Assert.That(diagnostic, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(diagnostic!.Code, Is.EqualTo(DiagnosticCodes.OutOfMemory));
            Assert.That(diagnostic.Message, Is.EqualTo("out of memory: tried to allocate 33.6 GiB on cpu"));
            Assert.That(diagnostic.Hint, Does.Contain("evaluation.planner.max_batch").And.Contain("calibration.episodes"));
            Assert.That(ExitCodes.ForErrors([diagnostic.Code]), Is.EqualTo(ExitCodes.EnvironmentFailure));
            AssertOneLineWithoutTrace(diagnostic);
        });
    }

    [Test]
    public void The_cuda_allocator_failure_names_the_gpu_and_what_was_free()
    {
        var diagnostic = AllocationFailure.Diagnose(new LibTorchError(CudaMessage), subject: "wall-w4");

        Assert.That(diagnostic, Is.Not.Null);
        Assert.That(diagnostic!.Message, Is.EqualTo("wall-w4: out of memory: tried to allocate 2.00 GiB on cuda:0 (1.06 GiB free of 79.15 GiB)"));
        AssertOneLineWithoutTrace(diagnostic);
    }

    [TestCase("CUDA error: out of memory\nCUDA kernel errors might be asynchronously reported at some other API call\nframe #0: x", "CUDA error: out of memory")]
    [TestCase("CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`\nframe #0: x", "CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`")]
    [TestCase("[enforce fail at alloc_cpu.cpp:114] data. DefaultCPUAllocator: not enough memory: you tried to allocate 1024 bytes.", "tried to allocate 1.0 KiB on cpu")]
    public void Other_allocation_failures_keep_their_first_line(string message, string summary)
    {
        Assert.That(AllocationFailure.Summary(new LibTorchError(message)), Is.EqualTo(summary));
    }

    [Test]
    public void Bugs_and_the_managed_heap_are_not_allocation_failures()
    {
        Assert.Multiple(() =>
        {
            Assert.That(AllocationFailure.Summary(new LibTorchError("shape '[2, 3]' is invalid for input of size 5\nframe #0: x")), Is.Null);
            Assert.That(AllocationFailure.Summary(new InvalidOperationException("sequence contains no elements")), Is.Null);
            Assert.That(AllocationFailure.Summary(new InsufficientMemoryException()), Is.Null, "the managed heap: the process is in no state to go on");
        });
    }

    [Test]
    public void An_allocation_failure_inside_another_exception_is_found()
    {
        var wrapped = new AggregateException(new LibTorchError(CpuMessage));

        Assert.That(AllocationFailure.Summary(new InvalidOperationException("stage failed", wrapped)), Is.EqualTo("tried to allocate 33.6 GiB on cpu"));
    }

    [Test]
    public void A_real_libtorch_allocation_failure_is_classified()
    {
        // 2^48 bytes: more than a process's address space, so the allocator fails at once without touching memory.
        var failure = Assert.Catch(() => empty([1L << 48], ScalarType.Byte).Dispose());

        Assert.That(failure, Is.Not.Null);
        Assert.That(AllocationFailure.Summary(failure!), Is.EqualTo("tried to allocate 256.0 TiB on cpu"), failure!.Message);
    }

    [TestCase(512, "512 bytes")]
    [TestCase(1536, "1.5 KiB")]
    [TestCase(36_126_720_000, "33.6 GiB")]
    public void Byte_counts_are_written_in_binary_units(long bytes, string text)
    {
        Assert.That(AllocationFailure.Bytes(bytes), Is.EqualTo(text));
    }
}
