using System.CommandLine;
using WmQuant.Cli.Hosting;

namespace WmQuant.Cli.Commands;

/// <summary>Every top-level wmq command, in the order `wmq --help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All(CliServices services)
    {
        yield return RunCommand.Create(services);
        yield return RunCommand.Create(services, "sweep");
        yield return RunCommand.Create(services, "quantize");
        yield return TuneCommand.Create(services);
        yield return PackCommand.Create();
        yield return InspectCommand.Create();
        yield return DoctorCommand.Create();
        yield return DataCommand.Create();
        yield return BenchCommand.Create();
        yield return EvalCommand.Create(services);
        yield return ValidateCommand.Create(services);
        yield return GateCommand.Create();
        yield return TrainCommand.Create();
        yield return SanityCommand.Create();
    }
}
