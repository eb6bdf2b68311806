using WmQuant.Contract;
using WmQuant.Pipeline.Caching;
using WmQuant.Tests.Support;
using WmQuant.Tuning;

namespace WmQuant.Tests.Tuning;

/// <summary>The held-out confirmation, not the search seeds, decides the winner (<see cref="Confirmation"/>).</summary>
public sealed class ConfirmationTests
{
    /// <summary>
    /// A toy search (L3 needs 8 bits, ranked second) as <see cref="Confirmation.Run"/> calls it: one round per set of
    /// rejected candidates, all rounds sharing one cache so that later rounds replay the earlier path.
    /// </summary>
    private sealed class ToyRounds : IDisposable
    {
        private readonly TempDirectory temp = new();
        private readonly SearchSpace space = ToySearch.Space();

        public ToyRounds(int[]? needs = null, int evaluations = 20)
        {
            Judge = new ToyJudge(space, needs ?? ToySearch.Needs());
            Evaluations = evaluations;
        }

        public ToyJudge Judge { get; }

        public int Evaluations { get; }

        public int Rounds { get; private set; }

        public SearchResult Round(IReadOnlySet<Candidate> rejected)
        {
            Rounds++;
            return new AllocationSearch(space, SearchStrategy.Fallback, new SearchBudget(Evaluations, null), Judge,
                new ToySensitivities(ToySearch.Ranked(space, 1, 3)), new StageCache(temp.Path), rejected: rejected).Run();
        }

        public void Dispose() => temp.Dispose();
    }

    private static ConfirmationResult Run(EvaluatedCandidate candidate, bool passes) => new(
        candidate.Number, passes ? RunStatus.Passed : RunStatus.GateFailed, 40, [0.9, 1.0], passes ? 40 : 30, [0.6, 0.9], 40, [], $"artifact-{candidate.Number}");

    [Test]
    public void A_search_pass_that_fails_on_fresh_seeds_is_rejected_and_a_dearer_candidate_is_confirmed()
    {
        using var toy = new ToyRounds();
        var first = toy.Round(new HashSet<Candidate>());
        Assume.That(first.Passing, Is.Not.Empty, "the toy search passes something");
        var cheapest = first.Passing[0];
        var tried = new List<Candidate>();

        var outcome = Confirmation.Run(toy.Round, 3, c => Run(c, passes: c.Candidate != cheapest.Candidate), c => tried.Add(c.Candidate));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Winner, Is.Not.Null);
            Assert.That(outcome.Winner!.Candidate, Is.Not.EqualTo(cheapest.Candidate), "the cheapest passed the search but not the confirmation");
            Assert.That(outcome.Winner.StorageBits, Is.GreaterThan(cheapest.StorageBits));
            Assert.That(tried, Is.EqualTo(new[] { cheapest.Candidate, outcome.Winner.Candidate }), "cheapest first, stopping at the first that holds up");
            Assert.That(outcome.Runs.Select(r => r.Status), Is.EqualTo(new[] { RunStatus.GateFailed, RunStatus.Passed }));
            var rejected = outcome.Search.Evaluated.Single(e => e.Candidate == cheapest.Candidate);
            Assert.That(rejected.Rejected, Is.True, "the last round shows the rejected candidate as such");
            Assert.That(rejected.Outcome.Passed, Is.False);
            Assert.That(rejected.Outcome.Gates, Has.Member(EvaluatedCandidate.RejectedLine));
        });
    }

    [Test]
    public void A_search_that_stopped_at_its_first_pass_goes_on_climbing_when_that_pass_fails_its_confirmation()
    {
        // Every layer is fine at 3 bits on the search seeds, so the search's first round ends at its start (uniform W3);
        // the held-out seeds reject W3, and the next round must climb to allocations the first never evaluated.
        using var toy = new ToyRounds(needs: Enumerable.Repeat(3, 6).ToArray());
        var start = toy.Round(new HashSet<Candidate>());
        Assume.That(start.Evaluated, Has.Count.EqualTo(1), "the first round stops at its passing start");
        int callsAfterFirstRound = toy.Judge.Calls;

        var outcome = Confirmation.Run(toy.Round, 2, c => Run(c, passes: c.Candidate != start.Evaluated[0].Candidate));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Winner, Is.Not.Null, "a dearer candidate holds up");
            Assert.That(outcome.Winner!.StorageBits, Is.GreaterThan(start.Evaluated[0].StorageBits));
            Assert.That(outcome.Search.Evaluated.Any(e => e.Candidate == outcome.Winner.Candidate), Is.True);
            Assert.That(toy.Judge.Calls, Is.GreaterThan(callsAfterFirstRound), "the second round evaluated new candidates");
            Assert.That(toy.Rounds, Is.EqualTo(3), "one round before the test, then one per confirmation");
        });
    }

    [Test]
    public void When_every_attempt_fails_its_confirmation_there_is_no_winner_and_no_more_are_run_than_allowed()
    {
        using var toy = new ToyRounds();
        int calls = 0;
        Candidate? tried = null;

        var outcome = Confirmation.Run(toy.Round, 1, c =>
        {
            calls++;
            tried = c.Candidate;
            return Run(c, passes: false);
        });

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Winner, Is.Null);
            Assert.That(calls, Is.EqualTo(1), "one attempt allowed");
            Assert.That(outcome.Runs, Has.Count.EqualTo(1));
            Assert.That(toy.Rounds, Is.EqualTo(1), "no round is searched that no confirmation could follow");
            Assert.That(outcome.Search.Passing.Select(e => e.Candidate), Does.Not.Contain(tried), "the rejected candidate no longer counts as passing");
            Assert.That(outcome.Search.Evaluated.Single(e => e.Candidate == tried).Rejected, Is.True);
        });
    }

    [Test]
    public void Nothing_is_confirmed_when_nothing_passed_the_search()
    {
        // Even the safest allocation fails: L3 needs more than 8 bits.
        var needs = ToySearch.Needs();
        needs[3] = 9;
        using var toy = new ToyRounds(needs);

        var outcome = Confirmation.Run(toy.Round, 3, c => throw new AssertionException("no candidate should be run"));

        Assert.Multiple(() =>
        {
            Assert.That(outcome.Winner, Is.Null);
            Assert.That(outcome.Runs, Is.Empty);
            Assert.That(toy.Rounds, Is.EqualTo(1));
        });
    }
}
