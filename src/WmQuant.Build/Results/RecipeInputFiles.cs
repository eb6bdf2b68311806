namespace WmQuant.Build.Results;

/// <summary>
/// The files a recipe's artifact depends on, from `wmq validate --json`: the recipe and its bases, each model's
/// checkpoint and config, the normalization.json wmq reads beside a checkpoint, and baseline manifests of gates.
/// </summary>
internal static class RecipeInputFiles
{
    /// <summary>Absolute paths, the recipe first, each once.</summary>
    public static IReadOnlyList<string> Collect(string recipe, ValidationReport report)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string? path)
        {
            if (!string.IsNullOrWhiteSpace(path) && seen.Add(Path.GetFullPath(path)))
            {
                files.Add(Path.GetFullPath(path));
            }
        }

        Add(recipe);
        foreach (string source in report.SourceFiles)
        {
            Add(source);
        }

        foreach (var resolved in report.Recipes)
        {
            Add(resolved.Model?.Checkpoint);
            Add(resolved.Model?.Config);
            if (resolved.Model?.Checkpoint is { Length: > 0 } checkpoint)
            {
                string normalization = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, "normalization.json");
                if (File.Exists(normalization))
                {
                    Add(normalization);
                }
            }

            foreach (var gate in resolved.Gates)
            {
                Add(gate.BaselineManifest);
            }
        }

        return files;
    }
}
