namespace WmQuant.Build.Results;

/// <summary>
/// The parts of `wmq validate --json` the build needs: which files a recipe reads, so that changing any of them
/// (a base recipe, the checkpoint) makes the quantize target run again.
/// </summary>
internal sealed class ValidationReport
{
    /// <summary>The recipe, absolute.</summary>
    public string File { get; init; } = "";

    /// <summary>Whether the recipe is valid.</summary>
    public bool Valid { get; init; }

    /// <summary>The recipe and every base recipe it extends, absolute.</summary>
    public IReadOnlyList<string> SourceFiles { get; init; } = [];

    /// <summary>The resolved recipes (several for a matrix).</summary>
    public IReadOnlyList<ValidatedRecipe> Recipes { get; init; } = [];
}

/// <summary>One resolved recipe's file references.</summary>
internal sealed class ValidatedRecipe
{
    /// <summary>Resolved name.</summary>
    public string Name { get; init; } = "";

    /// <summary>Checkpoint and model config.</summary>
    public ValidatedModel? Model { get; init; }

    /// <summary>Gates, for baseline manifests they compare against.</summary>
    public IReadOnlyList<ValidatedGate> Gates { get; init; } = [];
}

/// <summary>The model files a recipe names.</summary>
internal sealed class ValidatedModel
{
    /// <summary>Absolute checkpoint path.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Absolute model config path.</summary>
    public string? Config { get; init; }
}

/// <summary>A gate's file reference.</summary>
internal sealed class ValidatedGate
{
    /// <summary>A previous release's manifest the gate compares against, or null.</summary>
    public string? BaselineManifest { get; init; }
}
