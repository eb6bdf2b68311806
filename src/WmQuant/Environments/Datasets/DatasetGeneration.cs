using WmQuant.Contract;
using WmQuant.Diagnostics;

namespace WmQuant.Environments.Datasets;

/// <summary>What <c>wmq data generate</c> asks for.</summary>
/// <param name="Environment">An environment of <see cref="DatasetGenerators"/>.</param>
/// <param name="OutputDirectory">Folder for dataset.json, states.f32 and actions.f32.</param>
/// <param name="Trajectories">Trajectories, or null for the generator's default.</param>
/// <param name="Steps">Actions per trajectory, or null for the generator's default.</param>
/// <param name="Seed">Master seed.</param>
/// <param name="Options">The generator's own choices.</param>
public sealed record DatasetGenerationRequest(
    string Environment, string OutputDirectory, int? Trajectories, int? Steps, int Seed, DatasetGeneratorOptions Options)
{
    /// <summary>Trajectories generated: the asked number or the generator's default.</summary>
    public int TrajectoryCount => Trajectories ?? DatasetGenerators.Find(Environment)?.DefaultTrajectories ?? 0;

    /// <summary>Actions per trajectory: the asked number or the generator's default.</summary>
    public int StepCount => Steps ?? DatasetGenerators.Find(Environment)?.DefaultSteps ?? 0;
}

/// <summary>A written dataset's card, or the problems that stopped it.</summary>
/// <param name="Card">The card written with the dataset.</param>
/// <param name="Problems">Why nothing (or not everything) was written.</param>
public sealed record DatasetGenerationOutcome(DatasetCard? Card, IReadOnlyList<Diagnostic> Problems);

/// <summary>The use-case behind <c>wmq data generate</c>: generate trajectories deterministically from a seed and write the dataset folder.</summary>
public static class DatasetGeneration
{
    /// <summary>Generates and writes; progress counts finished trajectories. Nothing is written on bad input.</summary>
    public static DatasetGenerationOutcome Run(DatasetGenerationRequest request, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var generator = DatasetGenerators.Find(request.Environment);
        var problems = new List<Diagnostic>();
        if (generator is null)
        {
            problems.Add(Diagnostic.Error(DiagnosticCodes.OptionValue,
                $"no dataset generator for environment '{request.Environment}'; " +
                $"generators exist for {string.Join(", ", DatasetGenerators.Environments)}"));
        }

        if (request.TrajectoryCount <= 0 || request.StepCount <= 0)
        {
            problems.Add(Diagnostic.Error(DiagnosticCodes.OptionValue,
                $"trajectories and steps must be positive (got {request.TrajectoryCount} and {request.StepCount})"));
        }

        var o = request.Options;
        if (o.PushTExplorationShare is < 0 or > 1 || o.PushTDemoPaceShare is < 0 or > 1)
        {
            problems.Add(Diagnostic.Error(DiagnosticCodes.OptionValue, "the exploration and demonstration-pace shares must lie in [0, 1]"));
        }

        if (problems.Count > 0)
        {
            return new DatasetGenerationOutcome(null, problems);
        }

        var dataset = generator!.Create(o).Generate(request.TrajectoryCount, request.StepCount, request.Seed, progress);
        try
        {
            dataset.Save(request.OutputDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var problem = Diagnostic.FileError(
                DiagnosticCodes.OutputUnwritable, Path.GetFullPath(request.OutputDirectory), $"cannot write the dataset: {e.Message}");
            return new DatasetGenerationOutcome(null, [problem]);
        }

        return new DatasetGenerationOutcome(dataset.Card, []);
    }
}
