using System.Globalization;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Models.Config;
using WmQuant.Quantization.Primitives;
using WmQuant.Recipes.Binding;
using WmQuant.Recipes.Schema;

namespace WmQuant.Recipes.Checks;

/// <summary>
/// Rules of the <c>search:</c> section that involve other settings, checked at validate so <c>wmq tune</c> never
/// starts a search that cannot finish: candidates need gates to be judged by, a choice needs two levels, and the
/// confirmation must plan on seeds nothing else used.
/// </summary>
internal sealed class SearchConsistencyChecks(SourceMap source, IReadOnlyCollection<string> removed, ICollection<Diagnostic> problems)
{
    public void Check(Recipe recipe, IReadOnlyList<LayerShape>? layers)
    {
        if (recipe.Search is not { } search || TreePruner.Touches(removed, "search"))
        {
            return;
        }

        if (recipe.Gates.Count == 0 && !TreePruner.Touches(removed, "gates"))
        {
            Error("search", "search needs gates to judge candidates by; add at least one (e.g. { metric: success_rate, max_drop_vs_baseline: 0.05 })");
        }

        var levels = search.Levels(recipe.Quantization.Weights);
        if (levels.Count < 2 && !Removed("search.bits", "search.granularity", "search.group_sizes"))
        {
            Error("search.bits", $"search.bits, granularity and group_sizes give {levels.Count} level; a search needs at least two to choose from");
        }

        int offset = search.Confirmation.SeedOffset;
        foreach (var (path, other) in new[] { ("evaluation.seed_offset", recipe.Evaluation.SeedOffset), ("calibration.seed_offset", recipe.Calibration.SeedOffset) })
        {
            if ((offset - other) % 99 == 0 && !Removed("search.confirmation", path))
            {
                Error("search.confirmation.seed_offset",
                    $"search.confirmation.seed_offset {N(offset)} gives the same episode seeds as {path} {N(other)}; the confirmation must use fresh seeds");
            }
        }

        bool activations = recipe.Quantization.Activations is { IsBypass: false } || recipe.Quantization.Overrides.Any(o => o.Activations is { IsBypass: false });
        foreach (var method in search.Methods.Where(m => m.Definition.WeightOnly && activations))
        {
            if (!Removed("search.methods", "quantization.activations", "quantization.modules"))
            {
                problems.Add(Diagnostic.At(source.Of("search.methods"), Severity.Error, DiagnosticCodes.WeightOnlyWithActivations,
                    $"search.methods names '{method.Name}', which quantizes weights only, but the quantization section quantizes activations"));
            }
        }

        if (layers is not null && source.Has("search.group_sizes") && !Removed("search.group_sizes", "quantization"))
        {
            var searched = recipe.Quantization.Plan.Resolve(layers).Layers.Where(l => l.Weights is not null).ToList();
            long widest = searched.Count == 0 ? 0 : searched.Max(l => l.InFeatures);
            foreach (var level in levels.Where(l => l.Granularity == WeightGranularity.PerGroup && !l.IsBypass).Select(l => l.GroupSize).Distinct())
            {
                if (widest > 0 && level > widest)
                {
                    problems.Add(Diagnostic.At(source.Of("search.group_sizes"), Severity.Error, DiagnosticCodes.GroupTooLarge,
                        $"search.group_sizes has {N(level)}, larger than the widest searched input ({widest.ToString(CultureInfo.InvariantCulture)}); " +
                        $"allowed: 1-{widest.ToString(CultureInfo.InvariantCulture)}"));
                }
            }
        }
    }

    private bool Removed(params string[] paths) => paths.Any(p => TreePruner.Touches(removed, p));

    private void Error(string path, string message) =>
        problems.Add(Diagnostic.At(source.Of(path), Severity.Error, DiagnosticCodes.SearchInconsistent, message));

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
