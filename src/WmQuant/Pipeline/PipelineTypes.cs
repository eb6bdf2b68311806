using WmQuant.Pipeline.Artifacts;

namespace WmQuant.Pipeline;

/// <summary>How a pipeline run behaves (the recipe says what to do; these say where and how much).</summary>
public sealed record PipelineOptions
{
    /// <summary>Folder that receives the artifact folder(s).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Stage cache root; null recomputes everything.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Repository root: paths in manifests are written relative to it.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>Skip both evaluations (and therefore the gates): quantize and pack only.</summary>
    public bool SkipEvaluation { get; init; }

    /// <summary>Evaluate but do not let gates fail the run (verdicts are still recorded).</summary>
    public bool SkipGates { get; init; }

    /// <summary>Tool version recorded in manifests and cache keys.</summary>
    public required string ToolVersion { get; init; }
}

/// <summary>Progress of a run: which stage, and how far along it is.</summary>
/// <param name="Stage">Stage name (evaluate-fp, calibrate, quantize, evaluate, gate, artifact).</param>
/// <param name="Message">What is happening.</param>
/// <param name="Done">Units done (episodes, layers).</param>
/// <param name="Total">Units in all (0 when unknown).</param>
public sealed record PipelineProgress(string Stage, string Message, int Done, int Total);

/// <summary>How a run ended.</summary>
public enum PipelineStatus
{
    /// <summary>Artifact written and every gate passed (or there were none).</summary>
    Passed,

    /// <summary>Artifact written, marked failed: a gate failed.</summary>
    GateFailed,

    /// <summary>Nothing written: a problem the user can fix (files, unsupported settings).</summary>
    InvalidInput,
}

/// <summary>The outcome of a run.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="ArtifactDirectory">The artifact folder, or null when none was written.</param>
/// <param name="Manifest">The manifest written, or null.</param>
/// <param name="Problems">Problems in MSBuild's canonical format (errors the user can fix, gate failures).</param>
/// <param name="CacheHits">Stages whose results came from the cache.</param>
public sealed record PipelineResult(PipelineStatus Status, string? ArtifactDirectory, ArtifactManifest? Manifest, IReadOnlyList<string> Problems, IReadOnlyList<string> CacheHits)
{
    /// <summary>Gate verdicts (empty when nothing was evaluated), for CI outputs.</summary>
    public IReadOnlyList<Gates.GateVerdict> Verdicts { get; init; } = [];
}
