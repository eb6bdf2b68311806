using WmQuant.Contract;
using WmQuant.Pipeline.Caching;
using WmQuant.Tests.Support;
using WmQuant.Tuning;

namespace WmQuant.Tests.Tuning;

/// <summary>The held-out confirmation, not the search seeds, decides the winner (<see cref="Confirmation"/>).</summary>
public sealed class ConfirmationTests
{
    /// <summary>A toy search (L3 needs 8 bits, ranked second) that ends with several passing candidates of different cost.</summary>
    private static SearchResult ToyResult()
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();
        return new AllocationSearch(space, SearchStrategy.Fallback, new SearchBudget(20, null), new ToyJudge(space, ToySearch.Needs()),
            new ToySensitivities(ToySearch.Ranked(space, 1, 3)), new StageCache(temp.Path)).Run();
    }

    private static ConfirmationResult Run(EvaluatedCandidate candidate, bool passes) => new(
        candidate.Number, passes ? RunStatus.Passed : RunStatus.GateFailed, 40, [0.9, 1.0], passes ? 40 : 30, [0.6, 0.9], 40, [], $"artifact-{candidate.Number}");

    [Test]
    public void A_search_pass_that_fails_on_fresh_seeds_is_not_the_winner_and_the_next_cheapest_is_confirmed()
    {
        var result = ToyResult();
        Assume.That(result.Passing, Has.Count.GreaterThanOrEqualTo(2), "the toy search ends with more than one passing candidate");
        var cheapest = result.Passing[0];
        var tried = new List<int>();

        var (runs, winner) = Confirmation.Decide(result.Passing, 3, c => Run(c, passes: c != cheapest), c => tried.Add(c.Number));

        Assert.Multiple(() =>
        {
            Assert.That(winner, Is.SameAs(result.Passing[1]), "the cheapest passed the search but not the confirmation");
            Assert.That(tried, Is.EqualTo(new[] { cheapest.Number, result.Passing[1].Number }), "cheapest first, stopping at the first that holds up");
            Assert.That(runs.Select(r => r.Status), Is.EqualTo(new[] { RunStatus.GateFailed, RunStatus.Passed }));
            Assert.That(result.Passing[1].StorageBits, Is.GreaterThan(cheapest.StorageBits));
        });
    }

    [Test]
    public void When_every_attempt_fails_its_confirmation_there_is_no_winner_and_no_more_are_run_than_allowed()
    {
        var result = ToyResult();
        int calls = 0;

        var (runs, winner) = Confirmation.Decide(result.Passing, 1, c =>
        {
            calls++;
            return Run(c, passes: false);
        });

        Assert.Multiple(() =>
        {
            Assert.That(result.Passing, Is.Not.Empty, "the search itself found passing candidates");
            Assert.That(winner, Is.Null);
            Assert.That(calls, Is.EqualTo(1), "one attempt allowed");
            Assert.That(runs, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void Nothing_is_confirmed_when_nothing_passed_the_search()
    {
        var (runs, winner) = Confirmation.Decide([], 3, c => throw new AssertionException("no candidate should be run"));

        Assert.Multiple(() =>
        {
            Assert.That(winner, Is.Null);
            Assert.That(runs, Is.Empty);
        });
    }
}
