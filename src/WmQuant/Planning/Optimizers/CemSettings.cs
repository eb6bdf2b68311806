namespace WmQuant.Planning.Optimizers;

/// <summary>Cross-entropy method settings, in normalised action space (DESIGN §6 defaults).</summary>
/// <param name="Horizon">Model actions per plan.</param>
/// <param name="Samples">Candidate action sequences per episode per step; one of them is the current mean.</param>
/// <param name="TopK">Elites the mean and deviation are refit to (at least 2, at most Samples).</param>
/// <param name="OptSteps">Refit rounds (30 for PushT, 10 for Wall).</param>
/// <param name="InitialSigma">Starting standard deviation around the zero mean.</param>
/// <param name="MaxModelBatch">
/// Upper bound on rows per model call; 0 means one call for all episodes × samples. Lower it only
/// when the device runs out of memory: results do not depend on it.
/// </param>
public sealed record CemSettings(
    int Horizon = 5,
    int Samples = 300,
    int TopK = 30,
    int OptSteps = 30,
    double InitialSigma = 1.0,
    int MaxModelBatch = 0)
{
    /// <summary>Throws when the settings cannot describe a CEM run (a programming error, not user input).</summary>
    public void Validate()
    {
        if (Horizon < 1 || Samples < 2 || TopK < 2 || TopK > Samples || OptSteps < 1 || InitialSigma <= 0 || MaxModelBatch < 0)
        {
            throw new ArgumentException($"Invalid CEM settings: {this}.");
        }
    }
}
