using System.Globalization;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Gates;
using WmQuant.Models.Config;
using WmQuant.Naming;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Quantization.Model;
using WmQuant.Quantization.Primitives;
using WmQuant.Recipes.Binding;
using WmQuant.Recipes.Schema;
using S = WmQuant.Recipes.Schema.RecipeSchema;

namespace WmQuant.Recipes.Checks;

/// <summary>Rules that involve several settings (or the model's layers), checked on the bound recipe.</summary>
/// <remarks>Rules touching a setting the schema rejected (<paramref name="removed"/>) are skipped: its default is not what the user wrote.</remarks>
internal sealed class RecipeConsistencyChecks(SourceMap source, IReadOnlyCollection<string> removed, ICollection<Diagnostic> problems, QuantizationMethodRegistry methods)
{
    private bool Removed(params string[] paths) => paths.Any(p => TreePruner.Touches(removed, p));

    public void Check(Recipe recipe, IReadOnlyList<LayerShape>? layers)
    {
        CheckModel(recipe);
        // With model.artifact the quantization comes from the artifact; the recipe's own section is not applied.
        if (!recipe.Model.IsArtifact)
        {
            CheckQuantization(recipe.Quantization, layers);
        }

        CheckGates(recipe);
        new SearchConsistencyChecks(source, removed, problems).Check(recipe, layers);
        var planner = recipe.Evaluation.Planner;
        if (planner.TopK > planner.Samples && !Removed("evaluation.planner.top_k", "evaluation.planner.samples", "evaluation.planner.profile", "environment"))
        {
            Error("evaluation.planner.top_k", DiagnosticCodes.PlannerInconsistent,
                $"evaluation.planner.top_k is {N(planner.TopK)}, more than samples ({N(planner.Samples)}); allowed: 1-{N(planner.Samples)}");
        }

        bool cem = planner.Kind is Planning.PlannerKind.MpcCem or Planning.PlannerKind.OpenLoopCem;
        string[] plannerPaths = ["evaluation.planner.samples", "evaluation.planner.top_k", "evaluation.planner.kind", "evaluation.planner.profile", "environment"];
        if (cem && (planner.Samples < 2 || planner.TopK < 2) && !Removed(plannerPaths))
        {
            string path = planner.Samples < 2 ? "evaluation.planner.samples" : "evaluation.planner.top_k";
            Error(path, DiagnosticCodes.PlannerInconsistent,
                $"{path} is {N(planner.Samples < 2 ? planner.Samples : planner.TopK)}; CEM refits a mean and deviation to its elites, so it needs at least 2 samples and top_k of 2 or more");
        }

        if ((recipe.Calibration.SeedOffset - recipe.Evaluation.SeedOffset) % 99 == 0 && !Removed("calibration.seed_offset", "evaluation.seed_offset"))
        {
            Add("calibration.seed_offset", Severity.Warning, DiagnosticCodes.SeedOverlap,
                $"calibration.seed_offset {N(recipe.Calibration.SeedOffset)} gives the same episode seeds as evaluation.seed_offset {N(recipe.Evaluation.SeedOffset)}; calibration would see the evaluation episodes");
        }
    }

    /// <summary>A checkpoint or an artifact (or both); an artifact alone gives no FP model to compare with.</summary>
    private void CheckModel(Recipe recipe)
    {
        bool checkpoint = source.Has("model.checkpoint");
        bool artifact = source.Has("model.artifact");
        if (!checkpoint && !artifact && !Removed("model"))
        {
            Error("model", DiagnosticCodes.MissingKey,
                "model needs checkpoint (a full-precision model to quantize) or artifact (a quantized artifact folder to re-evaluate), or both");
            return;
        }

        if (!artifact || checkpoint)
        {
            return;
        }

        if (source.Has("model.config"))
        {
            Add("model.config", Severity.Warning, DiagnosticCodes.IneffectiveSetting,
                "model.config has no effect without model.checkpoint: the artifact carries its own model config");
        }

        for (int i = 0; i < recipe.Gates.Count; i++)
        {
            var gate = recipe.Gates[i];
            if (gate.MaxDropVsBaseline is not null && gate.BaselineManifest is null && !Removed($"gates[{i}]"))
            {
                problems.Add(Diagnostic.Error(DiagnosticCodes.MissingKey,
                    $"gates[{i}] compares with the FP model (baseline: fp), which model.artifact alone does not give; add model.checkpoint " +
                    "(the checkpoint the artifact was quantized from) or compare with a previous release (baseline: path/to/manifest.json)",
                    gate.Position ?? source.Of($"gates[{i}]")));
            }
        }
    }

    private void CheckQuantization(QuantizationRequest quantization, IReadOnlyList<LayerShape>? layers)
    {
        if (!Removed("quantization.method", "quantization.scheme", "quantization.activations", "quantization.modules"))
        {
            CheckWeightOnly(quantization);
        }

        if (!Removed("quantization.weights", "quantization.scheme"))
        {
            CheckGranularity("quantization.weights", quantization.Weights);
        }

        foreach (var rule in quantization.Overrides)
        {
            string path = $"quantization.modules.{rule.Selector}.weights";
            if (source.Has(path) && !Removed(path, "quantization.weights") && rule.Weights is { } weights)
            {
                CheckGranularity(path, weights);
            }
        }

        if (layers is not null && !Removed("quantization"))
        {
            CheckAgainstModel(quantization, layers);
        }
    }

    private void CheckWeightOnly(QuantizationRequest quantization)
    {
        if (!quantization.Method.WeightOnly)
        {
            return;
        }

        string method = quantization.Method.Name;
        var others = methods.All.Where(m => !m.WeightOnly).Select(m => m.Name).ToList();
        string alternatives = others.Count switch
        {
            0 => "no registered method quantizes activations",
            1 => $"use {others[0]} to quantize activations",
            _ => $"use {string.Join(", ", others.Take(others.Count - 1))} or {others[^1]} to quantize activations",
        };
        if (quantization.Activations is { IsBypass: false })
        {
            string path = source.Has("quantization.activations") ? "quantization.activations" : "quantization.scheme";
            Error(path, DiagnosticCodes.WeightOnlyWithActivations,
                path == "quantization.activations"
                    ? $"{path} must be none with method '{method}', which quantizes weights only; {alternatives}"
                    : $"{path} '{quantization.Scheme}' quantizes activations, but method '{method}' quantizes weights only; pick a …A16 scheme or {alternatives}");
        }

        foreach (var rule in quantization.Overrides)
        {
            string path = $"quantization.modules.{rule.Selector}.activations";
            if (rule.Activations is { IsBypass: false } && source.Has(path))
            {
                Error(path, DiagnosticCodes.WeightOnlyWithActivations, $"{path} must be none with method '{method}', which quantizes weights only");
            }
        }
    }

    private void CheckGranularity(string path, WeightQuantConfig weights)
    {
        string groupPath = path + ".group_size";
        // Only when both are written in one file: a base's group size under a child's "channel" is expected.
        if (weights.Granularity != WeightGranularity.PerGroup && source.Has(groupPath) && source.Has(path + ".granularity")
            && source.Of(groupPath).File == source.Of(path + ".granularity").File)
        {
            Add(groupPath, Severity.Warning, DiagnosticCodes.IneffectiveSetting,
                $"{groupPath} has no effect with granularity {Names.Of(weights.Granularity)}");
        }
    }

    /// <summary>Group sizes against the widths of the layers each setting reaches, and override rules that select no layer.</summary>
    private void CheckAgainstModel(QuantizationRequest quantization, IReadOnlyList<LayerShape> layers)
    {
        var scope = quantization.Plan.Resolve(layers);
        foreach (var rule in scope.UnmatchedRules)
        {
            string path = $"quantization.modules.{rule.Selector}";
            problems.Add(Diagnostic.At(rule.Position ?? source.Of(path), Severity.Warning, DiagnosticCodes.IneffectiveSetting,
                $"{path} selects no quantizable layer of this model; layers are named like {layers[0].Name} and {layers[^1].Name}"));
        }

        // Which setting decided each layer's group size: the last override that selects it, else the recipe-wide one.
        var grouped = scope.Layers.Where(l => l.Weights is { Granularity: WeightGranularity.PerGroup }).ToList();
        foreach (var setting in grouped.GroupBy(l => GroupSizePath(quantization, l.Name)))
        {
            if (Removed(setting.Key))
            {
                continue;
            }

            int g = setting.First().Weights!.GroupSize;
            long widest = setting.Max(l => l.InFeatures);
            if (g > widest)
            {
                Error(setting.Key, DiagnosticCodes.GroupTooLarge,
                    $"{setting.Key} is {N(g)}, larger than the widest input it applies to ({widest.ToString(CultureInfo.InvariantCulture)}); allowed: 1-{widest.ToString(CultureInfo.InvariantCulture)}");
                continue;
            }

            // A width below the group size is one group per row (per-channel in effect), exact and unsurprising on small
            // models; only a width the group size leaves a remainder of gets a partial last group worth a warning.
            foreach (long width in setting.Select(l => l.InFeatures).Distinct().Order().Where(w => w > g && w % g != 0))
            {
                string w = width.ToString(CultureInfo.InvariantCulture);
                Add(setting.Key, Severity.Warning, DiagnosticCodes.PartialGroups,
                    $"{setting.Key} {N(g)} does not divide input width {w}: each row gets {(width / g).ToString(CultureInfo.InvariantCulture)} full group(s) and a partial group of {(width % g).ToString(CultureInfo.InvariantCulture)}");
            }
        }
    }

    private string GroupSizePath(QuantizationRequest quantization, string layer)
    {
        var rule = quantization.Overrides.LastOrDefault(r => r.Selector.Matches(layer));
        string path = rule is null ? "quantization.weights.group_size" : $"quantization.modules.{rule.Selector}.weights.group_size";
        return rule is not null && !source.Has(path) ? "quantization.weights.group_size" : path;
    }

    private void CheckGates(Recipe recipe)
    {
        for (int i = 0; i < recipe.Gates.Count; i++)
        {
            var gate = recipe.Gates[i];
            string path = $"gates[{i}]";
            if (Removed(path))
            {
                continue;
            }

            var set = new List<(string Key, double Value)>();
            if (gate.Min is { } min)
            {
                set.Add((S.GateMin.Name, min));
            }

            if (gate.Max is { } max)
            {
                set.Add((S.GateMax.Name, max));
            }

            if (gate.MaxDropVsBaseline is { } drop)
            {
                set.Add((S.GateMaxDrop.Name, drop));
            }

            if (set.Count != 1)
            {
                string has = set.Count == 0 ? "none" : string.Join(" and ", set.Select(s => s.Key));
                problems.Add(Diagnostic.Error(DiagnosticCodes.GateThreshold,
                    $"{path} needs exactly one of min, max, max_drop_vs_baseline; it has {has}", gate.Position));
            }

            if (GateMetrics.IsProportion(gate.Metric))
            {
                foreach (var (key, value) in set.Where(s => s.Value is < 0 or > 1))
                {
                    Error($"{path}.{key}", DiagnosticCodes.GateThresholdRange,
                        $"{path}.{key} is {value.ToString("R", CultureInfo.InvariantCulture)}; {GateMetrics.Name(gate.Metric)} is a proportion, allowed: 0-1");
                }
            }
        }
    }

    private void Error(string path, string code, string message) => Add(path, Severity.Error, code, message);

    private void Add(string path, Severity severity, string code, string message) =>
        problems.Add(Diagnostic.At(source.Of(path), severity, code, message));

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
