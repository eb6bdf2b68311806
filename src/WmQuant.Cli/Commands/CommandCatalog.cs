using System.CommandLine;

namespace WmQuant.Cli.Commands;

/// <summary>Every top-level wmq command, in the order `wmq --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DoctorCommand.Create();
        yield return DataCommand.Create();
        yield return BenchCommand.Create();
        yield return EvalCommand.Create();
        yield return ValidateCommand.Create();
        yield return TrainCommand.Create();
        yield return SanityCommand.Create();
    }
}
