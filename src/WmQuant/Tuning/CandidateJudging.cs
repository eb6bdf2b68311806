namespace WmQuant.Tuning;

/// <summary>How one candidate fared on the search seeds.</summary>
/// <param name="Passed">Every gate passed.</param>
/// <param name="Successes">Episodes that reached the goal.</param>
/// <param name="Episodes">Episodes planned.</param>
/// <param name="IntervalLower">Lower end of the 95% Wilson interval of the success rate.</param>
/// <param name="IntervalUpper">Upper end of it.</param>
/// <param name="MeanStateDistance">Mean final state distance, when measured.</param>
/// <param name="Gates">One line per gate: its verdict and evidence (or why the candidate could not be judged).</param>
/// <param name="Seconds">Time quantizing and evaluating took when it was computed.</param>
public sealed record CandidateOutcome(
    bool Passed,
    int Successes,
    int Episodes,
    double IntervalLower,
    double IntervalUpper,
    double? MeanStateDistance,
    IReadOnlyList<string> Gates,
    double Seconds)
{
    /// <summary>Successes over episodes (0 without episodes).</summary>
    public double SuccessRate => Episodes == 0 ? 0 : (double)Successes / Episodes;
}

/// <summary>
/// Judges candidates with the recipe's gates. <see cref="Identity"/> names everything apart from the candidate that decides
/// an outcome (model, evaluation, gates, tool version), so cached outcomes are reused only where they still hold.
/// </summary>
public interface ICandidateJudge
{
    /// <summary>A stable word for everything but the candidate that decides outcomes.</summary>
    string Identity { get; }

    /// <summary>Quantizes and evaluates one candidate and judges the gates on it.</summary>
    CandidateOutcome Judge(Candidate candidate, CancellationToken cancellationToken);
}

/// <summary>Measures how much quantizing each unit alone at each level moves planning (larger: more sensitive).</summary>
public interface ISensitivitySource
{
    /// <summary>A stable word for everything that decides the measurements.</summary>
    string Identity { get; }

    /// <summary>
    /// Sensitivity per unit and level (in <see cref="SearchSpace"/> order) for one method, never negative, measured at
    /// <paramref name="levels"/> (NaN elsewhere: the fallback strategy ranks units at the start level only).
    /// </summary>
    SensitivityTable Measure(string method, IReadOnlyList<int> levels, CancellationToken cancellationToken);
}

/// <summary>Measured sensitivities: <c>Values[unit][level]</c>, units and levels in <see cref="SearchSpace"/> order (NaN: not measured).</summary>
/// <param name="Values">Sensitivity per unit and level.</param>
/// <param name="Seconds">Time the measurement took when it was computed.</param>
public sealed record SensitivityTable(IReadOnlyList<IReadOnlyList<double>> Values, double Seconds)
{
    /// <summary>A unit's sensitivity at a level.</summary>
    public double this[int unit, int level] => Values[unit][level];
}
