using System.CommandLine;

namespace WmQuant.Cli.Commands;

/// <summary>`wmq doctor`: what this machine offers the pipeline.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check the TorchSharp runtime, libstdc++ compatibility and devices.");
        command.SetAction(_ =>
        {
            var status = WmQuant.Runtime.Native.LibStdCxxShim.Status;
            Console.WriteLine($"libstdc++: {status.Detail}");
            return 0;
        });
        return command;
    }
}
