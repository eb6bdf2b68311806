using System.CommandLine;
using System.Text.Json;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Runtime;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq doctor`: the report of <see cref="MachineCheck"/> as text or JSON; exit 3 when a device is unusable or wrong.</summary>
internal static class DoctorCommand
{
    /// <summary>The command line of a check, read once.</summary>
    private sealed record Options(TorchRuntimeOptions Runtime, bool Json);

    private static readonly JsonSerializerOptions IndentedJson = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var runtime = new RuntimeOptionSet();
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("doctor",
            "Check the OS, libstdc++ compatibility, TorchSharp/libtorch, devices and threads; run a matmul on each device.");
        runtime.AddTo(command);
        command.Options.Add(json);
        command.SetAction(parse => Handle(parse, new Options(runtime.Read(parse), parse.GetValue(json))));
        return command;
    }

    private static int Handle(ParseResult parse, Options options)
    {
        var report = MachineCheck.Run(options.Runtime);
        var output = parse.Out();
        if (options.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(report.Entries.ToDictionary(e => e.Key, e => e.Value), IndentedJson));
        }
        else
        {
            int width = report.Entries.Max(e => e.Key.Length) + 2;
            foreach (var (key, value) in report.Entries)
            {
                output.WriteLine(key.PadRight(width) + value);
            }
        }

        return report.Problem is { } problem ? parse.ExitWith([problem]) : ExitCodes.Passed;
    }
}
