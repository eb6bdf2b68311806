using System.CommandLine;

namespace WmQuant.Cli.Commands;

/// <summary>Every top-level wmq command, in the order `wmq --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return RunCommand.Create();
        yield return RunCommand.Create("sweep");
        yield return RunCommand.Create("quantize");
        yield return PackCommand.Create();
        yield return InspectCommand.Create();
        yield return DoctorCommand.Create();
        yield return DataCommand.Create();
        yield return BenchCommand.Create();
        yield return EvalCommand.Create();
        yield return ValidateCommand.Create();
        yield return GateCommand.Create();
        yield return TrainCommand.Create();
        yield return SanityCommand.Create();
    }
}
