namespace WmQuant.Planning.Optimizers;

/// <summary>Cross-entropy method settings, in normalised action space (DESIGN §6 defaults).</summary>
/// <param name="Horizon">Model actions per plan.</param>
/// <param name="Samples">Candidate action sequences per episode per step; one of them is the current mean.</param>
/// <param name="TopK">Elites the mean and deviation are refit to (at least 2, at most Samples).</param>
/// <param name="OptSteps">Refit rounds (30 for PushT, 10 for Wall).</param>
/// <param name="InitialSigma">Starting standard deviation around the zero mean.</param>
/// <param name="MaxModelBatch">
/// Upper bound on rows (episodes × samples) per model call; 0 means automatic: one call for all of them
/// when they fit in half the device's memory by the model's estimate, else the fewest equal calls that
/// fit (<see cref="RolloutMemoryEstimate"/>). On the CPU results do not depend on it (a test checks
/// bit-identical plans); on a GPU the batch shape may pick other kernels, so plans may differ in
/// rounding, which is why a recipe's explicit value enters the cache keys.
/// </param>
public sealed record CemSettings(
    int Horizon = 5,
    int Samples = 300,
    int TopK = 30,
    int OptSteps = 30,
    double InitialSigma = 1.0,
    int MaxModelBatch = 0)
{
    /// <summary>Why these settings cannot describe a CEM run, as lines a user can act on (empty when they can).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Horizon < 1)
        {
            problems.Add($"the horizon must be at least 1 model action (got {Horizon})");
        }

        if (Samples < 2 || TopK < 2 || TopK > Samples)
        {
            problems.Add($"CEM needs at least 2 samples and 2 ≤ top-k ≤ samples (got {Samples} samples, top-k {TopK})");
        }

        if (OptSteps < 1)
        {
            problems.Add($"CEM needs at least 1 step per plan (got {OptSteps})");
        }

        if (!(InitialSigma > 0))
        {
            problems.Add($"the initial standard deviation must be positive (got {InitialSigma})");
        }

        if (MaxModelBatch < 0)
        {
            problems.Add($"the model batch bound must be non-negative (got {MaxModelBatch})");
        }

        return problems;
    }

    /// <summary>Throws when the settings cannot describe a CEM run (a programming error once input has been checked with <see cref="Problems"/>).</summary>
    public void Validate()
    {
        if (Problems().Count > 0)
        {
            throw new ArgumentException($"Invalid CEM settings: {this}: {string.Join("; ", Problems())}.");
        }
    }
}
