using WmQuant.Pipeline.Caching;
using WmQuant.Tests.Support;
using WmQuant.Tuning;

namespace WmQuant.Tests.Tuning;

/// <summary>The search on toy problems whose right allocation is known (<see cref="ToySearch"/>): one layer must stay at 8 bits.</summary>
public sealed class AllocationSearchTests
{
    private static SearchResult Search(SearchSpace space, SearchStrategy strategy, ICandidateJudge judge, ISensitivitySource sensitivities, StageCache cache,
        int evaluations = 12, double? minutes = null, List<SearchProgress>? progress = null, TimeProvider? clock = null) =>
        new AllocationSearch(space, strategy, new SearchBudget(evaluations, minutes), judge, sensitivities, cache,
            progress is null ? null : new global::WmQuant.Pipeline.SynchronousProgress<SearchProgress>(progress.Add), clock).Run();

    /// <summary>Levels in space order (W3 = 0, W4 = 1, W8 = 2): L3 at W8, every other layer at W3.</summary>
    private static int[] Expected(int layers = 6, int needy = 3)
    {
        var levels = new int[layers];
        levels[needy] = 2;
        return levels;
    }

    [TestCase(SearchStrategy.Fallback)]
    [TestCase(SearchStrategy.Knapsack)]
    public void Finds_the_one_layer_that_must_stay_at_8_bits_within_the_budget(SearchStrategy strategy)
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();
        var judge = new ToyJudge(space, ToySearch.Needs());
        var progress = new List<SearchProgress>();

        var result = Search(space, strategy, judge, new ToySensitivities(ToySearch.Faithful(space, ToySearch.Needs())), new StageCache(temp.Path), progress: progress);

        var winner = result.Passing[0];
        Assert.Multiple(() =>
        {
            Assert.That(space.Levels.Select(l => l.Bits), Is.EqualTo(new[] { 3, 4, 8 }), "levels are ordered by cost");
            Assert.That(winner.Candidate.Levels, Is.EqualTo(Expected()), SearchReport.Allocation(space, winner.Candidate));
            Assert.That(winner.BitsPerWeight, Is.EqualTo(((5 * 3.375) + 8.125) / 6).Within(1e-9), "five layers at W3 g128, one at W8 g128");
            Assert.That(result.Evaluated, Has.Count.LessThanOrEqualTo(12));
            Assert.That(judge.Calls, Is.EqualTo(result.Evaluated.Count), "each candidate judged once");
            Assert.That(result.Stop, Is.EqualTo(SearchStop.Completed));
            Assert.That(result.Evaluated[0].Candidate.Levels, Is.All.EqualTo(0), "the search starts with every unit at the cheapest level");
            Assert.That(result.Evaluated[0].Outcome.Passed, Is.False, "uniform W3 loses 12 of 40 episodes");
            Assert.That(result.Message, Does.Contain($"Cheapest candidate that passed every gate on the search seeds: #{winner.Number}"));
            Assert.That(progress.Select(p => p.Message), Has.Some.Contains($"best passing so far: #{winner.Number} {winner.BitsPerWeight:F3} bits/weight"));
            Assert.That(progress.Where(p => p.Latest is not null && !p.Latest.Outcome.Passed && p.BestPassing is null), Is.Not.Empty,
                "before anything passes the lines say so");
        });
    }

    [Test]
    public void Fallback_recovers_from_a_misleading_ranking_by_lowering_raised_layers_again()
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();
        var judge = new ToyJudge(space, ToySearch.Needs());

        // The proxy puts L1 (which is fine at 3 bits) above L3 (which needs 8): rung 1 raises only L1 and fails, rung 2 passes.
        var result = Search(space, SearchStrategy.Fallback, judge, new ToySensitivities(ToySearch.Ranked(space, 1, 3)), new StageCache(temp.Path));

        Assert.Multiple(() =>
        {
            Assert.That(result.Passing[0].Candidate.Levels, Is.EqualTo(Expected()));
            Assert.That(result.Evaluated.Select(e => e.Phase), Has.Some.StartsWith("rtn refine L1"), "L1 was lowered back in the refine pass");
            Assert.That(result.Evaluated.Single(e => e.Phase == "rtn fallback 2/6").Outcome.Passed, Is.True);
            Assert.That(result.Evaluated.Single(e => e.Phase == "rtn fallback 1/6").Outcome.Passed, Is.False);
        });
    }

    [Test]
    public void A_budget_of_one_evaluation_returns_the_best_candidate_so_far_with_a_clear_message()
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();
        var judge = new ToyJudge(space, ToySearch.Needs());

        var result = Search(space, SearchStrategy.Fallback, judge, new ToySensitivities(ToySearch.Faithful(space, ToySearch.Needs())), new StageCache(temp.Path),
            evaluations: 1);

        Assert.Multiple(() =>
        {
            Assert.That(result.Stop, Is.EqualTo(SearchStop.EvaluationsUsedUp));
            Assert.That(result.Evaluated, Has.Count.EqualTo(1));
            Assert.That(judge.Calls, Is.EqualTo(1));
            Assert.That(result.Passing, Is.Empty);
            Assert.That(result.BestSoFar!.Number, Is.EqualTo(1));
            Assert.That(result.Message, Does.StartWith("The search stopped: the budget of 1 evaluation is used up. No candidate passed every gate. Best so far: #1 (3.375 bits/weight, success 0.70 [0.55, 0.82], 28/40)."));
            Assert.That(result.Message, Does.Contain("rerun the same command to continue"));
        });
    }

    [Test]
    public void A_passing_candidate_found_before_the_budget_runs_out_is_kept_as_the_best_so_far()
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();

        // Rung 0 fails and rung 1 (L3 at W8) passes; the third evaluation (refining L3 to W4) is beyond the budget.
        var result = Search(space, SearchStrategy.Fallback, new ToyJudge(space, ToySearch.Needs()),
            new ToySensitivities(ToySearch.Faithful(space, ToySearch.Needs())), new StageCache(temp.Path), evaluations: 2);

        Assert.Multiple(() =>
        {
            Assert.That(result.Stop, Is.EqualTo(SearchStop.EvaluationsUsedUp));
            Assert.That(result.BestSoFar!.Candidate.Levels, Is.EqualTo(Expected()));
            Assert.That(result.Message, Does.StartWith("The search stopped: the budget of 2 evaluations is used up. Cheapest candidate that passed every gate on the search seeds: #2"));
        });
    }

    [Test]
    public void An_interrupted_search_resumes_from_the_cache_and_ends_where_an_uninterrupted_one_does()
    {
        using var fresh = new TempDirectory();
        using var interrupted = new TempDirectory();
        var space = ToySearch.Space();
        var table = ToySearch.Ranked(space, 1, 3);
        var reference = Search(space, SearchStrategy.Fallback, new ToyJudge(space, ToySearch.Needs()), new ToySensitivities(table), new StageCache(fresh.Path));

        var cache = new StageCache(interrupted.Path);
        var first = new ToyJudge(space, ToySearch.Needs()) { InterruptAt = 4 };
        var firstSensitivities = new ToySensitivities(table);
        Assert.Throws<OperationCanceledException>(() => Search(space, SearchStrategy.Fallback, first, firstSensitivities, cache));

        var second = new ToyJudge(space, ToySearch.Needs());
        var secondSensitivities = new ToySensitivities(table);
        var resumed = Search(space, SearchStrategy.Fallback, second, secondSensitivities, cache);

        Assert.Multiple(() =>
        {
            Assert.That(reference.Evaluated, Has.Count.GreaterThan(4), "the interruption falls inside the search");
            Assert.That(resumed.Evaluated.Select(e => (e.Candidate.Key, e.Phase, e.Outcome.Successes)),
                Is.EqualTo(reference.Evaluated.Select(e => (e.Candidate.Key, e.Phase, e.Outcome.Successes))), "the same path and outcomes");
            Assert.That(resumed.Evaluated.Select(e => e.Cached), Is.EqualTo(reference.Evaluated.Select(e => e.Number <= 3)), "the three finished evaluations came from the cache");
            Assert.That(second.Calls, Is.EqualTo(reference.Evaluated.Count - 3), "nothing finished was judged again");
            Assert.That(secondSensitivities.Calls, Is.Zero, "the sensitivities were cached too");
            Assert.That(resumed.Passing[0].Candidate.Levels, Is.EqualTo(Expected()));
            Assert.That(resumed.Message, Is.EqualTo(reference.Message));
        });
    }

    [Test]
    public void A_judge_of_another_evaluation_does_not_reuse_cached_outcomes()
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();
        var cache = new StageCache(temp.Path);
        var table = new ToySensitivities(ToySearch.Faithful(space, ToySearch.Needs()));
        Search(space, SearchStrategy.Fallback, new ToyJudge(space, ToySearch.Needs(), "evaluation A"), table, cache);

        var other = new ToyJudge(space, ToySearch.Needs(needy: 0), "evaluation B");
        var result = Search(space, SearchStrategy.Fallback, other, new ToySensitivities(ToySearch.Faithful(space, ToySearch.Needs(needy: 0)), "toy-sensitivity B"), cache);

        Assert.Multiple(() =>
        {
            Assert.That(result.Evaluated.Select(e => e.Cached), Is.All.False);
            Assert.That(result.Passing[0].Candidate.Levels, Is.EqualTo(Expected(needy: 0)));
        });
    }

    [Test]
    public void The_time_budget_stops_new_evaluations_but_not_cached_ones()
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();
        var clock = new ManualClock();
        var table = new ToySensitivities(ToySearch.Ranked(space, 1, 3));
        var judge = new ToyJudge(space, ToySearch.Needs()) { OnCall = () => clock.Advance(TimeSpan.FromMinutes(10)) };
        var cache = new StageCache(temp.Path);

        var timed = Search(space, SearchStrategy.Fallback, judge, table, cache, minutes: 15, clock: clock);
        var again = Search(space, SearchStrategy.Fallback, new ToyJudge(space, ToySearch.Needs()) { OnCall = () => clock.Advance(TimeSpan.FromMinutes(10)) },
            table, cache, minutes: 15, clock: clock);

        Assert.Multiple(() =>
        {
            Assert.That(timed.Stop, Is.EqualTo(SearchStop.TimeUsedUp));
            Assert.That(timed.Evaluated, Has.Count.EqualTo(2), "started at 0 and 10 minutes; at 20 the budget of 15 is spent");
            Assert.That(timed.Message, Does.StartWith("The search stopped: the time budget of 15 minutes is used up."));
            Assert.That(again.Evaluated, Has.Count.EqualTo(4), "the two cached ones cost no time, then two more");
            Assert.That(again.Evaluated.Take(2).Select(e => e.Cached), Is.All.True);
        });
    }

    [Test]
    public void When_even_the_safest_allocation_fails_the_search_says_so()
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();
        var needs = Enumerable.Repeat(9, 6).ToArray(); // more than any level has

        var result = Search(space, SearchStrategy.Fallback, new ToyJudge(space, needs), new ToySensitivities(ToySearch.Faithful(space, needs)), new StageCache(temp.Path));

        Assert.Multiple(() =>
        {
            Assert.That(result.Stop, Is.EqualTo(SearchStop.Completed));
            Assert.That(result.Passing, Is.Empty);
            Assert.That(result.Evaluated[^1].Candidate.Levels, Is.All.EqualTo(2), "the dearest rung was tried");
            Assert.That(result.Evaluated, Has.Count.EqualTo(4), "rungs 0, 1, 3 and 6 (6 is the last)");
            Assert.That(result.Message, Does.Contain("No candidate passed every gate. Best so far:"));
        });
    }

    [Test]
    public void The_pareto_front_keeps_only_candidates_nothing_else_beats()
    {
        using var temp = new TempDirectory();
        var space = ToySearch.Space();
        var result = Search(space, SearchStrategy.Fallback, new ToyJudge(space, ToySearch.Needs()),
            new ToySensitivities(ToySearch.Ranked(space, 1, 3)), new StageCache(temp.Path));

        var front = result.ParetoFront;
        Assert.Multiple(() =>
        {
            Assert.That(front, Is.Not.Empty);
            Assert.That(front.Select(e => e.StorageBits), Is.Ordered.Ascending);
            Assert.That(front.Select(e => e.Outcome.SuccessRate), Is.Ordered.Ascending, "dearer points on the front must plan better");
            foreach (var e in result.Evaluated.Except(front))
            {
                Assert.That(front.Any(f => f.StorageBits <= e.StorageBits && f.Outcome.SuccessRate >= e.Outcome.SuccessRate), Is.True, $"#{e.Number} is dominated");
            }

            Assert.That(front, Does.Contain(result.Passing[0]), "the winner is on the front");
        });
    }
}
