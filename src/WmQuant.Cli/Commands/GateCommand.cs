using System.CommandLine;
using System.Globalization;
using WmQuant.Cli.Hosting;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Gates;
using WmQuant.Pipeline.Inputs;
using WmQuant.Planning.Evaluation;
using WmQuant.Recipes;

namespace WmQuant.Cli.Commands;

/// <summary>
/// `wmq gate`: judges evaluations that already exist (from `wmq eval --out` or an artifact) with the same paired gates
/// `wmq run` applies, so a CI job can gate an evaluation made elsewhere, or a new artifact against the last release.
/// </summary>
internal static class GateCommand
{
    /// <summary>The command line of a gate run.</summary>
    private sealed record Options(string Candidate, string? Baseline, double? MinSuccess, double? MaxDrop, double Confidence, bool Json);

    public static Command Create()
    {
        var candidate = new Option<string>("--candidate") { Description = "The run to judge: an evaluation record (wmq eval --out), or an artifact folder or manifest.json (its quantized evaluation).", Required = true };
        var baseline = new Option<string?>("--baseline") { Description = "The run to compare with: the same kinds of file, or a model's baseline.json (the evaluation planned like the candidate is taken); needed by --max-drop." };
        var minSuccess = new Option<double?>("--min-success") { Description = "Fail when the candidate's success rate is below this (0–1)." };
        var maxDrop = new Option<double?>("--max-drop") { Description = "Fail when success drops by more than this versus --baseline, judged on episodes paired by seed at --confidence (0–1)." };
        var confidence = new Option<double>("--confidence") { Description = "Confidence of the regression bound and the reported intervals.", DefaultValueFactory = _ => 0.95 };
        var json = new Option<bool>("--json") { Description = "Print the verdicts as JSON." };
        var command = new Command("gate", "Judge existing evaluations with paired gates: exit 0 when every gate passes, 1 when one fails or cannot be judged.");
        foreach (var option in new Option[] { candidate, baseline, minSuccess, maxDrop, confidence, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => Handle(parse, new Options(
            parse.GetValue(candidate)!,
            parse.GetValue(baseline),
            parse.GetValue(minSuccess),
            parse.GetValue(maxDrop),
            parse.GetValue(confidence),
            parse.GetValue(json))));
        return command;
    }

    /// <summary>Every problem with the gate options, so one run reports them all.</summary>
    internal static IReadOnlyList<string> OptionProblems(string? baseline, double? minSuccess, double? maxDrop, double confidence)
    {
        var inv = CultureInfo.InvariantCulture;
        var problems = new List<string>();
        if (minSuccess is null && maxDrop is null)
        {
            problems.Add("name at least one gate: --min-success and/or --max-drop");
        }

        if (minSuccess is { } min && !(min >= 0 && min <= 1))
        {
            problems.Add($"--min-success must lie in 0 … 1 (got {min.ToString(inv)})");
        }

        if (maxDrop is { } drop && !(drop >= 0 && drop <= 1))
        {
            problems.Add($"--max-drop must lie in 0 … 1 (got {drop.ToString(inv)})");
        }

        if (maxDrop is not null && baseline is null)
        {
            problems.Add("--max-drop compares with a baseline: pass --baseline (an evaluation record or an artifact)");
        }

        if (!(confidence > 0 && confidence < 1))
        {
            problems.Add($"--confidence must lie strictly between 0 and 1 (got {confidence.ToString(inv)})");
        }

        return problems;
    }

    private static int Handle(ParseResult parse, Options options)
    {
        var output = parse.Out();
        var error = parse.Error();
        if (OptionErrors.Report(error, OptionProblems(options.Baseline, options.MinSuccess, options.MaxDrop, options.Confidence)))
        {
            return ExitCodes.InvalidInput;
        }

        var (candidate, candidateProblem) = GateInputFile.Load(options.Candidate);
        var (baseline, baselineProblem) = options.Baseline is null ? (null, null) : GateInputFile.Load(options.Baseline, candidate);
        var unusable = new[] { candidateProblem, baselineProblem }.OfType<Diagnostic>().ToList();
        if (candidate is not null && baseline is not null && candidate.Environment != baseline.Environment)
        {
            unusable.Add(Diagnostic.Error(DiagnosticCodes.InputUnusable,
                $"the candidate ran on {candidate.Environment} and the baseline on {baseline.Environment}: gates compare runs of one environment"));
        }

        if (unusable.Count > 0)
        {
            error.Report(unusable);
            return ExitCodes.InvalidInput;
        }

        var gates = new List<GateSpec>();
        if (options.MinSuccess is { } min)
        {
            gates.Add(new GateSpec(GateMetric.SuccessRate, min, null, null, options.Confidence, null, null));
        }

        if (options.MaxDrop is { } drop)
        {
            gates.Add(new GateSpec(GateMetric.SuccessRate, null, null, drop, options.Confidence, null, null));
        }

        var verdicts = GateEvaluator.Evaluate(gates, EvaluatedRun.From(candidate!), baseline is null ? null : EvaluatedRun.From(baseline));
        if (options.Json)
        {
            output.WriteLine(WmqJson.Write(verdicts.Select(v => v.ToResult(null)).ToList()));
        }
        else
        {
            Describe(output, "candidate", candidate!);
            if (baseline is not null)
            {
                Describe(output, "baseline", baseline);
            }

            foreach (var v in verdicts)
            {
                var outcome = v.Outcome switch { GateOutcome.Passed => "PASSED", GateOutcome.Failed => "FAILED", _ => "NOT JUDGED" };
                output.WriteLine($"gate {v.MetricName} {v.KindName}: {outcome} — {v.Message}");
            }
        }

        error.Report(verdicts.Select(v => v.ToDiagnostic()).OfType<Diagnostics.Diagnostic>());
        return verdicts.All(v => v.Outcome == GateOutcome.Passed) ? ExitCodes.Passed : ExitCodes.GateFailed;
    }

    private static void Describe(TextWriter output, string role, EvaluationRecord record)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"{role,-10} {record.Quantization} on {record.Environment}: success {record.Successes}/{record.EpisodeCount} = {record.SuccessRate:F2} [{record.SuccessInterval95[0]:F2}, {record.SuccessInterval95[1]:F2}], model {record.ModelSha256[..Math.Min(12, record.ModelSha256.Length)]}"));
    }
}
