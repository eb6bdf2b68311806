using System.CommandLine;
using System.Globalization;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Runtime;

namespace WmQuant.Cli.Hosting;

/// <summary>The --device, --libtorch and --threads options every tensor-using command shares, validated while parsing.</summary>
internal sealed class RuntimeOptionSet
{
    public RuntimeOptionSet()
    {
        Device.Validators.Add(result =>
        {
            if (DeviceRequest.TryParse(result.GetValueOrDefault<string>(), out string? problem) is null)
            {
                result.AddError($"--device {problem}");
            }
        });
        Threads.Validators.Add(result =>
        {
            // A value that is no integer is the parser's own error ("Cannot parse argument"); reading it here would throw.
            if (result.Tokens is [var token] && int.TryParse(token.Value, CultureInfo.InvariantCulture, out int threads) && threads is < 1 or > 1024)
            {
                result.AddError($"--threads must be 1 … 1024 (got {threads})");
            }
        });
    }

    public Option<string> Device { get; } = new("--device")
    {
        Description = "auto | cpu | cuda | cuda:N (auto: CUDA when a CUDA libtorch and a GPU are found).",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string?> LibTorch { get; } = new("--libtorch")
    {
        Description = "Folder of a CUDA libtorch (e.g. <site-packages>/torch/lib); default: $LIBTORCH_DIR, then a Python PyTorch install.",
    };

    public Option<int?> Threads { get; } = new("--threads")
    {
        Description = "CPU threads for tensor work (default: one per core).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Device);
        command.Options.Add(LibTorch);
        command.Options.Add(Threads);
    }

    public TorchRuntimeOptions Read(ParseResult parse, long seed = 0) => new()
    {
        Device = parse.GetValue(Device) ?? "auto",
        LibTorchDirectory = parse.GetValue(LibTorch),
        Threads = parse.GetValue(Threads),
        Seed = seed,
    };

    /// <summary>
    /// Sets TorchSharp up as <paramref name="options"/> ask. A device this machine cannot provide is an environment
    /// failure: it is written as a WMQ3201 line and the result is null (the command then exits 3).
    /// </summary>
    public static TorchRuntimeInfo? Start(ParseResult parse, TorchRuntimeOptions options)
    {
        try
        {
            return TorchRuntime.Initialize(options);
        }
        catch (TorchRuntimeException e)
        {
            parse.Error().Report([Diagnostic.Error(DiagnosticCodes.DeviceUnavailable, e.Message)]);
            return null;
        }
    }

    /// <summary>The device the command line names, or null when it names none (recipes then choose their own).</summary>
    public string? ExplicitDevice(ParseResult parse) => parse.GetResult(Device) is { Implicit: false } ? parse.GetValue(Device) : null;
}
