using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using static TorchSharp.torch;

namespace WmQuant.Runtime;

/// <summary>What <see cref="MachineCheck"/> found: labelled lines in order, and the problem that failed it, if any.</summary>
/// <param name="Entries">Label and value per finding (OS, libtorch, devices, a matmul per device and dtype, the verdict).</param>
/// <param name="Problem">Why the machine cannot serve the pipeline (WMQ3201), or null.</param>
public sealed record MachineReport(IReadOnlyList<KeyValuePair<string, string>> Entries, Diagnostic? Problem);

/// <summary>
/// The use-case behind <c>wmq doctor</c>: what this machine offers the pipeline — OS, libstdc++ compatibility,
/// TorchSharp and libtorch, devices and threads — checked by doing real work: a matmul on each device, compared with
/// float64 on the CPU and timed.
/// </summary>
public static class MachineCheck
{
    /// <summary>Sets the runtime up as <paramref name="options"/> ask and checks every device it finds.</summary>
    public static MachineReport Run(TorchRuntimeOptions options)
    {
        var entries = new List<KeyValuePair<string, string>>
        {
            new("os", $"{OsName()} ({RuntimeInformation.OSArchitecture}, kernel {Environment.OSVersion.Version})"),
            new(".net", RuntimeInformation.FrameworkDescription),
        };
        TorchRuntimeInfo info;
        try
        {
            info = TorchRuntime.Initialize(options);
        }
        catch (TorchRuntimeException e)
        {
            entries.Add(new("error", e.Message));
            return new MachineReport(entries, Diagnostic.Error(DiagnosticCodes.DeviceUnavailable, e.Message));
        }

        var inv = CultureInfo.InvariantCulture;
        entries.Add(new("libstdc++", info.Shim.Detail));
        entries.Add(new("torchsharp", info.TorchSharpVersion));
        entries.Add(new("libtorch", $"{TorchRuntime.LibTorchVersion()} from {info.LibTorch}"));
        entries.Add(new("device", $"{info.Device} ({info.Reason})"));
        entries.Add(new("cuda devices", info.CudaDeviceCount.ToString(inv)));
        entries.Add(new("threads", info.Threads.ToString(inv)));

        var failed = new List<string>();
        var devices = new List<Device> { CPU };
        for (int i = 0; i < info.CudaDeviceCount; i++)
        {
            devices.Add(torch.device(DeviceType.CUDA, i));
        }

        foreach (var device in devices)
        {
            foreach (var check in MatmulCheck.Run(device))
            {
                entries.Add(new($"matmul {device} {check.Label}", check.Summary));
                if (!check.Passed)
                {
                    failed.Add($"{device} {check.Label}");
                }
            }
        }

        entries.Add(new("verdict", failed.Count == 0 ? "ok" : "FAILED: a device computed a wrong matmul"));
        return new MachineReport(entries, failed.Count == 0 ? null
            : Diagnostic.Error(DiagnosticCodes.DeviceUnavailable, $"a device computed a wrong matmul ({string.Join(", ", failed)})"));
    }

    private static string OsName()
    {
        const string osRelease = "/etc/os-release";
        if (File.Exists(osRelease))
        {
            foreach (var line in File.ReadLines(osRelease))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    return line["PRETTY_NAME=".Length..].Trim('"');
                }
            }
        }

        return RuntimeInformation.OSDescription;
    }

    /// <summary>One matmul checked against a float64 CPU reference and timed.</summary>
    private sealed record MatmulCheck(string Label, bool Passed, string Summary)
    {
        public static IEnumerable<MatmulCheck> Run(Device device)
        {
            bool cuda = device.type == DeviceType.CUDA;
            yield return Check(device, ScalarType.Float32, cuda ? 4096 : 512, 1e-4);
            if (cuda)
            {
                yield return Check(device, ScalarType.BFloat16, 8192, 2e-2);
            }
        }

        private static MatmulCheck Check(Device device, ScalarType dtype, int n, double tolerance)
        {
            using var scope = NewDisposeScope();
            var generator = new Generator(1234);
            var a = randn(new long[] { n, n }, generator: generator, dtype: ScalarType.Float64);
            var b = randn(new long[] { n, n }, generator: generator, dtype: ScalarType.Float64);
            var onDevice = (a.to(dtype).to(device), b.to(dtype).to(device));
            var result = onDevice.Item1.matmul(onDevice.Item2);
            Synchronize(device);

            int reps = 5;
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++)
            {
                result = onDevice.Item1.matmul(onDevice.Item2);
            }

            Synchronize(device);
            double seconds = watch.Elapsed.TotalSeconds / reps;

            // Check a 64-row slice against float64 computed from the same rounded inputs.
            var rows = ScalarOps.Arange(0, n, n / 64, dtype: ScalarType.Int64);
            var reference = onDevice.Item1.to(CPU).to(ScalarType.Float64).index_select(0, rows)
                .matmul(onDevice.Item2.to(CPU).to(ScalarType.Float64));
            var got = result.to(CPU).to(ScalarType.Float64).index_select(0, rows);
            double scale = reference.abs().max().item<double>();
            double error = (got - reference).abs().max().item<double>() / scale;
            bool passed = error <= tolerance && !double.IsNaN(error);
            double flops = 2.0 * n * n * n / seconds;
            var inv = CultureInfo.InvariantCulture;
            string rate = flops >= 1e12 ? (flops / 1e12).ToString("F1", inv) + " TFLOP/s" : (flops / 1e9).ToString("F1", inv) + " GFLOP/s";
            string label = $"{dtype.ToString().ToLowerInvariant()} {n}^3";
            return new MatmulCheck(label, passed,
                $"{(seconds * 1e3).ToString("F2", inv)} ms, {rate}, max rel. error {error.ToString("E1", inv)} {(passed ? "ok" : "TOO LARGE")}");
        }

        private static void Synchronize(Device device)
        {
            if (device.type == DeviceType.CUDA)
            {
                torch.cuda.synchronize(device);
            }
        }
    }
}
