using WmQuant.Contract;

namespace WmQuant.Tuning;

/// <summary>What a search with its confirmations came to.</summary>
/// <param name="Runs">Every confirmation run, in order.</param>
/// <param name="Winner">The first candidate whose confirmation passed, or null.</param>
/// <param name="Search">The last round of the search (rejected candidates marked as such).</param>
public sealed record ConfirmedSearch(IReadOnlyList<ConfirmationResult> Runs, EvaluatedCandidate? Winner, SearchResult Search);

/// <summary>
/// The multiple-testing guard of <c>wmq tune</c>: the search tries many candidates on the same seeds, so a pass there is
/// optimistic. Only a run on fresh, held-out seeds decides. The cheapest passing candidate is confirmed; when its
/// confirmation fails it is rejected and the search goes on as if it had failed its gates (the next cheapest passing
/// one, or dearer rungs the search had not reached), at most <c>attempts</c> confirmations in all. None passing means
/// no winner, whatever the search seeds said.
/// </summary>
public static class Confirmation
{
    /// <summary>Searches, confirms the cheapest pass, and searches on past each rejected one until one holds up or the attempts are spent.</summary>
    /// <param name="search">
    /// One round of the search, given the candidates rejected so far (a round replays the earlier rounds' path from the
    /// cache, so each costs only what is new).
    /// </param>
    /// <param name="attempts">How many confirmations may run (each costs a full evaluation on the confirmation seeds).</param>
    /// <param name="confirm">Runs one candidate on the confirmation seeds.</param>
    /// <param name="starting">Told before each confirmation starts (progress).</param>
    public static ConfirmedSearch Run(
        Func<IReadOnlySet<Candidate>, SearchResult> search,
        int attempts,
        Func<EvaluatedCandidate, ConfirmationResult> confirm,
        Action<EvaluatedCandidate>? starting = null)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(confirm);
        var rejected = new HashSet<Candidate>();
        var runs = new List<ConfirmationResult>();
        while (true)
        {
            var result = search(rejected);
            if (result.Passing is not [var cheapest, ..])
            {
                return new ConfirmedSearch(runs, null, result);
            }

            starting?.Invoke(cheapest);
            var run = confirm(cheapest);
            runs.Add(run);
            if (run.Status == RunStatus.Passed)
            {
                return new ConfirmedSearch(runs, cheapest, result);
            }

            rejected.Add(cheapest.Candidate);
            if (runs.Count >= attempts)
            {
                // No confirmation left: another round would only spend evaluations nobody can confirm.
                return new ConfirmedSearch(runs, null, MarkRejected(result, cheapest));
            }
        }
    }

    /// <summary>The result as the next round would see <paramref name="candidate"/>: failing, with the reason in its gate lines.</summary>
    private static SearchResult MarkRejected(SearchResult result, EvaluatedCandidate candidate) => result with
    {
        Evaluated = [.. result.Evaluated.Select(e => e.Number != candidate.Number ? e : e.AsRejected())],
    };
}
