using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using TorchSharp;
using WmQuant.Contract;
using WmQuant.Cli.Hosting;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq doctor`: what this machine offers the pipeline, checked by doing real work on each device.</summary>
internal static class DoctorCommand
{
    private static readonly JsonSerializerOptions IndentedJson = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("doctor", "Check the OS, libstdc++ compatibility, TorchSharp/libtorch, devices and threads; run a matmul on each device.");
        runtime.AddTo(command);
        command.Options.Add(json);
        command.SetAction(parse => Run(runtime.Read(parse), parse.GetValue(json)));
        return command;
    }

    private static int Run(TorchRuntimeOptions options, bool asJson)
    {
        var report = new List<(string Key, string Value)>
        {
            ("os", $"{OsName()} ({RuntimeInformation.OSArchitecture}, kernel {Environment.OSVersion.Version})"),
            (".net", RuntimeInformation.FrameworkDescription),
        };
        TorchRuntimeInfo info;
        try
        {
            info = TorchRuntime.Initialize(options);
        }
        catch (TorchRuntimeException ex)
        {
            report.Add(("error", ex.Message));
            Print(report, asJson);
            return ExitCodes.InvalidInput;
        }

        report.Add(("libstdc++", info.Shim.Detail));
        report.Add(("torchsharp", info.TorchSharpVersion));
        report.Add(("libtorch", $"{TorchRuntime.LibTorchVersion()} from {info.LibTorch}"));
        report.Add(("device", $"{info.Device} ({info.Reason})"));
        report.Add(("cuda devices", info.CudaDeviceCount.ToString(CultureInfo.InvariantCulture)));
        report.Add(("threads", info.Threads.ToString(CultureInfo.InvariantCulture)));

        bool allPassed = true;
        var devices = new List<Device> { CPU };
        for (int i = 0; i < info.CudaDeviceCount; i++)
        {
            devices.Add(torch.device(DeviceType.CUDA, i));
        }

        foreach (var device in devices)
        {
            foreach (var check in MatmulCheck.Run(device))
            {
                report.Add(($"matmul {device} {check.Label}", check.Summary));
                allPassed &= check.Passed;
            }
        }

        report.Add(("verdict", allPassed ? "ok" : "FAILED: a device computed a wrong matmul"));
        Print(report, asJson);
        return allPassed ? ExitCodes.Passed : ExitCodes.EnvironmentFailure;
    }

    private static void Print(List<(string Key, string Value)> report, bool asJson)
    {
        if (asJson)
        {
            var map = report.ToDictionary(r => r.Key, r => r.Value);
            Console.WriteLine(JsonSerializer.Serialize(map, IndentedJson));
            return;
        }

        int width = report.Max(r => r.Key.Length) + 2;
        foreach (var (key, value) in report)
        {
            Console.WriteLine(key.PadRight(width) + value);
        }
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
            var rows = arange(0, n, n / 64, dtype: ScalarType.Int64);
            var reference = onDevice.Item1.to(CPU).to(ScalarType.Float64).index_select(0, rows)
                .matmul(onDevice.Item2.to(CPU).to(ScalarType.Float64));
            var got = result.to(CPU).to(ScalarType.Float64).index_select(0, rows);
            double scale = reference.abs().max().item<double>();
            double error = (got - reference).abs().max().item<double>() / scale;
            bool passed = error <= tolerance && !double.IsNaN(error);
            double flops = 2.0 * n * n * n / seconds;
            string rate = flops >= 1e12
                ? (flops / 1e12).ToString("F1", CultureInfo.InvariantCulture) + " TFLOP/s"
                : (flops / 1e9).ToString("F1", CultureInfo.InvariantCulture) + " GFLOP/s";
            string label = $"{dtype.ToString().ToLowerInvariant()} {n}^3";
            return new MatmulCheck(label, passed,
                $"{(seconds * 1e3).ToString("F2", CultureInfo.InvariantCulture)} ms, {rate}, max rel. error {error.ToString("E1", CultureInfo.InvariantCulture)} {(passed ? "ok" : "TOO LARGE")}");
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
