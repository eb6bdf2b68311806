using WmQuant.Contract;

namespace WmQuant.Tuning;

/// <summary>
/// The multiple-testing guard of <c>wmq tune</c>: the search tries many candidates on the same seeds, so a pass there is
/// optimistic. Only a run on fresh, held-out seeds decides: the passing candidates are confirmed cheapest first, at most
/// <c>attempts</c> of them, and the first whose confirmation passes is the winner. None passing means no winner, whatever
/// the search seeds said.
/// </summary>
public static class Confirmation
{
    /// <summary>Confirms <paramref name="passing"/> (cheapest first) in turn until one passes or the attempts are spent.</summary>
    /// <param name="passing">The search's passing candidates, in the order to try.</param>
    /// <param name="attempts">How many of them may be confirmed (each run costs a full evaluation on the confirmation seeds).</param>
    /// <param name="confirm">Runs one candidate on the confirmation seeds.</param>
    /// <param name="starting">Told before each confirmation starts (progress).</param>
    public static (IReadOnlyList<ConfirmationResult> Runs, EvaluatedCandidate? Winner) Decide(
        IReadOnlyList<EvaluatedCandidate> passing,
        int attempts,
        Func<EvaluatedCandidate, ConfirmationResult> confirm,
        Action<EvaluatedCandidate>? starting = null)
    {
        ArgumentNullException.ThrowIfNull(passing);
        ArgumentNullException.ThrowIfNull(confirm);
        var runs = new List<ConfirmationResult>();
        foreach (var candidate in passing.Take(Math.Max(0, attempts)))
        {
            starting?.Invoke(candidate);
            var run = confirm(candidate);
            runs.Add(run);
            if (run.Status == RunStatus.Passed)
            {
                return (runs, candidate);
            }
        }

        return (runs, null);
    }
}
