using System.Text.Json;
using WmQuant.Planning;
using WmQuant.Planning.Evaluation;
using WmQuant.Planning.Mpc;
using WmQuant.Planning.Optimizers;

namespace WmQuant.Tests.Planning;

public class PlannerRecordTests
{
    private static MpcSettings Mpc() => new([0f, 0f], [1f, 1f], MaxIterations: 7);

    [Test]
    public void Gradient_evaluations_record_their_own_settings_not_cems()
    {
        var settings = new EvaluationSettings(Mpc(), PlannerKind.MpcGradient, Gradient: new GradientSettings(Horizon: 4, OptSteps: 12, LearningRate: 0.5, ActionNoise: 0.01, InitialSigma: 0.2));

        var record = PlannerRecord.From(settings);

        Assert.That(record, Is.EqualTo(new PlannerRecord(PlannerKind.MpcGradient, 4, 1, 1, 12, 0.2, 7, 1.0) { LearningRate = 0.5, ActionNoise = 0.01 }));
        var json = JsonSerializer.Serialize(record, EvaluationRecord.JsonOptions);
        Assert.That(json, Does.Contain("\"learning_rate\": 0.5").And.Contain("\"action_noise\": 0.01"));
        Assert.That(JsonSerializer.Deserialize<PlannerRecord>(json, EvaluationRecord.JsonOptions), Is.EqualTo(record));
    }

    [Test]
    public void Cem_records_keep_their_on_disk_form_so_stored_baselines_still_match()
    {
        var settings = new EvaluationSettings(Mpc(), Cem: new CemSettings(Horizon: 5, Samples: 64, TopK: 8, OptSteps: 5));

        var record = PlannerRecord.From(settings);
        var json = JsonSerializer.Serialize(record, EvaluationRecord.JsonOptions);

        Assert.That(json, Does.Not.Contain("learning_rate").And.Not.Contain("action_noise"));
        const string Stored = """{ "kind": "mpc-cem", "horizon": 5, "samples": 64, "top_k": 8, "opt_steps": 5, "sigma": 1, "max_iterations": 7, "alpha": 1 }""";
        Assert.That(JsonSerializer.Deserialize<PlannerRecord>(Stored, EvaluationRecord.JsonOptions), Is.EqualTo(record));
    }
}
