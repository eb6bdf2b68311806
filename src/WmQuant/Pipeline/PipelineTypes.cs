using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Pipeline.Artifacts;
using WmQuant.Pipeline.Caching;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Pipeline;

/// <summary>How a pipeline run behaves (the recipe says what to do; these say where and how much).</summary>
public sealed record PipelineOptions
{
    /// <summary>Folder that receives the artifact folder(s).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Repository root: paths in manifests are written relative to it.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>Skip both evaluations (and therefore the gates): quantize and pack only.</summary>
    public bool SkipEvaluation { get; init; }

    /// <summary>Evaluate but do not let gates fail the run (verdicts are recorded, failed gates become warnings).</summary>
    public bool SkipGates { get; init; }

    /// <summary>Folder that paths in printed diagnostics are relative to (the working directory); null: the repository root.</summary>
    public string? DisplayDirectory { get; init; }
}

/// <summary>
/// Where one recipe runs: the initialised Torch runtime (its device), the stage cache and the tool version that keys
/// cached results. A front end builds one per device it runs recipes on; nothing reads a process-wide current device.
/// </summary>
/// <param name="Runtime">The runtime as <see cref="TorchRuntime.Initialize"/> returned it.</param>
/// <param name="Cache">The stage cache (a cache without a root recomputes everything).</param>
/// <param name="ToolVersion">Tool version recorded in manifests (with the commit as build metadata, e.g. 1.2.3+abcdef0).</param>
public sealed record RunContext(TorchRuntimeInfo Runtime, StageCache Cache, string ToolVersion)
{
    /// <summary>The tool version in cache keys: without build metadata, so a new commit alone does not discard every cached stage.</summary>
    public string CacheVersion => ToolVersion.Split('+')[0];

    /// <summary>The device tensors go to.</summary>
    public Device Device => Runtime.Device;

    /// <summary>"cpu" or "cuda": kernels differ between them, so evaluations are cached and paired per kind.</summary>
    public string DeviceKind => Runtime.Device.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu";
}

/// <summary>Progress of a run: which stage, and how far along it is.</summary>
/// <param name="Stage">Stage name (evaluate-fp, calibrate, quantize, evaluate, gate, artifact).</param>
/// <param name="Message">What is happening.</param>
/// <param name="Done">Units done (episodes, layers).</param>
/// <param name="Total">Units in all (0 when unknown).</param>
public sealed record PipelineProgress(string Stage, string Message, int Done, int Total);

/// <summary>The outcome of a run.</summary>
/// <param name="Status">How it ended: passed, ungated, gate_failed or invalid_input.</param>
/// <param name="ArtifactDirectory">The artifact folder, or null when none was written.</param>
/// <param name="Manifest">The manifest written, or null.</param>
/// <param name="Diagnostics">Problems the user can fix and gate verdicts that did not pass (warnings when gates are skipped).</param>
/// <param name="CacheHits">Stages whose results came from the cache.</param>
public sealed record PipelineResult(RunStatus Status, string? ArtifactDirectory, ArtifactManifest? Manifest, IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> CacheHits)
{
    /// <summary>Gate verdicts (empty when nothing was evaluated), for CI outputs.</summary>
    public IReadOnlyList<Gates.GateVerdict> Verdicts { get; init; } = [];
}
