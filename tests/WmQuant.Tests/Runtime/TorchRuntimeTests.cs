using TorchSharp;
using WmQuant.Runtime;

namespace WmQuant.Tests.Runtime;

public class TorchRuntimeTests
{
    [TestCase("auto", DeviceKind.Auto, null)]
    [TestCase("CPU", DeviceKind.Cpu, null)]
    [TestCase("cuda", DeviceKind.Cuda, null)]
    [TestCase(" cuda:3 ", DeviceKind.Cuda, 3)]
    public void Parses_device_specifications(string text, DeviceKind kind, int? index)
    {
        var request = DeviceRequest.TryParse(text, out string? error);
        Assert.That(error, Is.Null);
        Assert.That(request, Is.EqualTo(new DeviceRequest(kind, index)));
    }

    [TestCase("gpu")]
    [TestCase("cuda:")]
    [TestCase("cuda:-1")]
    [TestCase("cuda:x")]
    public void Rejects_unknown_devices_with_the_allowed_values(string text)
    {
        Assert.That(DeviceRequest.TryParse(text, out string? error), Is.Null);
        Assert.That(error, Does.Contain(text).And.Contain(DeviceRequest.AllowedValues));
    }

    [Test]
    public void Cpu_initialisation_sets_threads_and_seed()
    {
        var info = TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "cpu", Threads = 1, Seed = 7 });
        Assert.That(info.Device.type, Is.EqualTo(DeviceType.CPU));
        Assert.That(torch.get_num_threads(), Is.EqualTo(1));
        float first = torch.rand(1).item<float>();
        TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "cpu", Threads = Environment.ProcessorCount, Seed = 7 });
        Assert.That(torch.rand(1).item<float>(), Is.EqualTo(first), "same seed, same draw");
    }

    [Test]
    public void Auto_falls_back_to_cpu_with_a_reason_when_no_cuda_libtorch_exists()
    {
        string empty = Directory.CreateTempSubdirectory("wmq-nolibtorch").FullName;
        try
        {
            var info = TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "auto", LibTorchDirectory = empty });
            if (info.CudaDeviceCount > 0)
            {
                Assert.Ignore("this machine already uses a CUDA libtorch");
            }

            Assert.That(info.Device.type, Is.EqualTo(DeviceType.CPU));
            Assert.That(info.Reason, Does.StartWith("auto: CPU because"));
            Assert.That(info.Reason, Does.Contain("no libtorch.so"));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Test]
    public void Requiring_cuda_without_it_is_an_error_that_says_what_to_do()
    {
        if (torch.cuda.is_available())
        {
            Assert.Ignore("CUDA is available here");
        }

        var ex = Assert.Throws<TorchRuntimeException>(() => TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "cuda:0" }));
        Assert.That(ex!.Message, Does.Contain("--libtorch").And.Contain("--device cpu"));
    }

    [Test]
    public void Gpu_matmul_matches_cpu()
    {
        if (!torch.cuda.is_available())
        {
            Assert.Ignore("no CUDA device: GPU test skipped");
        }

        var info = TorchRuntime.Initialize(new TorchRuntimeOptions { Device = "cuda" });
        using var scope = torch.NewDisposeScope();
        var a = torch.randn(64, 64, generator: new torch.Generator(1));
        var expected = a.matmul(a);
        var actual = a.to(info.Device).matmul(a.to(info.Device)).cpu();
        Assert.That(torch.allclose(actual, expected, rtol: 1e-4, atol: 1e-4), Is.True);
    }
}
