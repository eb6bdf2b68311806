using System.Globalization;
using WmQuant.Recipes.Binding;
using WmQuant.Recipes.Schema;
using S = WmQuant.Recipes.Schema.RecipeSchema;

namespace WmQuant.Recipes.Checks;

/// <summary>Rules that involve several settings (or the model's shapes), checked on the bound recipe.</summary>
/// <remarks>Rules touching a setting the schema rejected (<paramref name="removed"/>) are skipped: its default is not what the user wrote.</remarks>
internal sealed class RecipeConsistencyChecks(SourceMap source, IReadOnlyCollection<string> removed, ICollection<RecipeProblem> problems)
{
    private bool Removed(params string[] paths) => paths.Any(p => TreePruner.Touches(removed, p));

    public void Check(Recipe recipe, IModelShapeInfo? shapes)
    {
        if (!Removed("quantization.method", "quantization.activations", "quantization.modules"))
        {
            CheckWeightOnly(recipe);
        }

        if (!Removed("quantization.weights"))
        {
            CheckWeights("quantization.weights", recipe.Quantization.Weights, shapes);
        }

        foreach (var module in recipe.Quantization.Modules)
        {
            string path = $"quantization.modules.{module.Selector}.weights";
            if (source.Has(path) && !Removed(path, "quantization.weights"))
            {
                CheckWeights(path, module.Weights, shapes);
            }
        }

        CheckGates(recipe);
        var planner = recipe.Evaluation.Planner;
        if (planner.TopK > planner.Samples && !Removed("evaluation.planner.top_k", "evaluation.planner.samples", "evaluation.planner.profile", "environment"))
        {
            Error("evaluation.planner.top_k", ProblemCodes.PlannerInconsistent,
                $"evaluation.planner.top_k is {N(planner.TopK)}, more than samples ({N(planner.Samples)}); allowed: 1-{N(planner.Samples)}");
        }

        if ((recipe.Calibration.SeedOffset - recipe.Evaluation.SeedOffset) % 99 == 0 && !Removed("calibration.seed_offset", "evaluation.seed_offset"))
        {
            Add("calibration.seed_offset", ProblemSeverity.Warning, ProblemCodes.SeedOverlap,
                $"calibration.seed_offset {N(recipe.Calibration.SeedOffset)} gives the same episode seeds as evaluation.seed_offset {N(recipe.Evaluation.SeedOffset)}; calibration would see the evaluation episodes");
        }
    }

    private void CheckWeightOnly(Recipe recipe)
    {
        var quantization = recipe.Quantization;
        string method = S.Methods[(int)quantization.Method];
        if (!S.WeightOnlyMethods.Contains(method))
        {
            return;
        }

        if (quantization.Activations is not null)
        {
            Error("quantization.activations", ProblemCodes.WeightOnlyWithActivations,
                $"quantization.activations must be none with method '{method}', which quantizes weights only; use smoothquant, omniquant, omse or rtn to quantize activations");
        }

        foreach (var module in quantization.Modules)
        {
            string path = $"quantization.modules.{module.Selector}.activations";
            if (module.Activations is not null && source.Has(path))
            {
                Error(path, ProblemCodes.WeightOnlyWithActivations,
                    $"{path} must be none with method '{method}', which quantizes weights only");
            }
        }
    }

    private void CheckWeights(string path, WeightSpec weights, IModelShapeInfo? shapes)
    {
        string groupPath = path + ".group_size";
        if (weights.Granularity == WeightGranularity.Channel)
        {
            // Only when both are written in one file: a base's group size under a child's "channel" is expected.
            if (source.Has(groupPath) && source.Has(path + ".granularity")
                && source.Of(groupPath).File == source.Of(path + ".granularity").File)
            {
                Add(groupPath, ProblemSeverity.Warning, ProblemCodes.IneffectiveSetting,
                    $"{groupPath} has no effect with granularity channel");
            }

            return;
        }

        if (shapes is null || weights.IsBypass || shapes.MaxLinearInputWidth <= 0)
        {
            return;
        }

        int g = weights.GroupSize;
        if (g > shapes.MaxLinearInputWidth)
        {
            Error(groupPath, ProblemCodes.GroupTooLarge,
                $"{groupPath} is {N(g)}, larger than the widest quantized input ({N(shapes.MaxLinearInputWidth)}); allowed: 1-{N(shapes.MaxLinearInputWidth)}");
            return;
        }

        foreach (int width in shapes.LinearInputWidths.Distinct().Order())
        {
            if (width % g != 0)
            {
                Add(groupPath, ProblemSeverity.Warning, ProblemCodes.PartialGroups,
                    $"{groupPath} {N(g)} does not divide input width {N(width)}: each row gets {N(width / g)} full group(s) and a partial group of {N(width % g)}");
            }
        }
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
                problems.Add(RecipeProblem.At(gate.Position, ProblemSeverity.Error, ProblemCodes.GateThreshold,
                    $"{path} needs exactly one of min, max, max_drop_vs_baseline; it has {has}"));
            }

            string metric = S.Metrics[(int)gate.Metric];
            if (S.ProportionMetrics.Contains(metric))
            {
                foreach (var (key, value) in set.Where(s => s.Value is < 0 or > 1))
                {
                    Error($"{path}.{key}", ProblemCodes.GateThresholdRange,
                        $"{path}.{key} is {value.ToString("R", CultureInfo.InvariantCulture)}; {metric} is a proportion, allowed: 0-1");
                }
            }
        }
    }

    private void Error(string path, string code, string message) => Add(path, ProblemSeverity.Error, code, message);

    private void Add(string path, ProblemSeverity severity, string code, string message) =>
        problems.Add(RecipeProblem.At(source.Of(path), severity, code, message));

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
