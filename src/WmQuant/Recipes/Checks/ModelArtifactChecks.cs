using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using WmQuant.Models.Checkpoints;
using WmQuant.Models.Config;
using WmQuant.Quantization.Packing;
using WmQuant.Recipes.Binding;

namespace WmQuant.Recipes.Checks;

/// <summary>
/// A recipe's <c>model.artifact</c>, checked against the folder and the checkpoint beside it, at the recipe's lines:
/// the artifact must be readable (config.json, weights, the recipe.resolved.json that says how it was quantized); a
/// checkpoint named with it must be the one it was quantized from (SHA-256, model config, normalization), since the FP
/// baseline is measured on the checkpoint and paired with the artifact's episodes. The artifact's quantization and
/// calibration replace the recipe's (which only draw a warning where they differ), so the manifest, report, cache keys
/// and resolved recipe describe what is evaluated.
/// </summary>
internal sealed class ModelArtifactChecks(SourceMap source, RepositoryBoundary boundary, ICollection<Diagnostic> problems, RecipeLoadOptions options)
{
    /// <summary>The resolved recipe each artifact folder carries beside its model.</summary>
    public const string ResolvedRecipeFileName = "recipe.resolved.json";

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The recipe with the artifact's quantization and calibration, or unchanged after reporting why the artifact cannot be used.</summary>
    public Recipe Apply(Recipe recipe)
    {
        if (recipe.Model.Artifact is not { } folder)
        {
            return recipe;
        }

        var at = source.Of("model.artifact");
        string written = Written("model.artifact", folder);
        var (description, problem) = ArtifactConfigFile.Read(folder, boundary);
        if (description is null)
        {
            Error(at, problem!.Code, $"model.artifact '{written}' cannot be used: {problem.Message}");
            return recipe;
        }

        if (QuantizedModelArtifact.ModelFiles(folder).Problem is { } weights)
        {
            Error(at, DiagnosticCodes.ModelUnreadable, $"model.artifact '{written}' cannot be used: {weights}");
            return recipe;
        }

        var made = MadeWith(folder, written, at);
        if (made is null)
        {
            return recipe;
        }

        WarnIgnored(recipe, made);
        if (recipe.Model.Checkpoint is { } checkpoint && File.Exists(checkpoint))
        {
            CheckCheckpoint(recipe.Model, checkpoint, description, written);
        }

        return recipe with { Quantization = made.Quantization, Calibration = made.Calibration };
    }

    /// <summary>The recipe the artifact was made with (its recipe.resolved.json), or null after reporting why it cannot be read.</summary>
    private Recipe? MadeWith(string folder, string written, SourcePosition at)
    {
        string path = Path.Combine(folder, ResolvedRecipeFileName);
        if (!File.Exists(path))
        {
            Error(at, DiagnosticCodes.ModelUnreadable,
                $"model.artifact '{written}' has no {ResolvedRecipeFileName}, so how it was quantized is unknown; re-gate artifacts written by wmq run");
            return null;
        }

        // Its paths were relative to the recipe it came from, not to the artifact: they are not read, and no boundary applies.
        var loaded = RecipeLoader.Load(path, options with
        {
            RepositoryRoot = Path.GetPathRoot(Path.GetFullPath(path)),
            CheckFiles = false,
            ModelLayers = null,
        });
        var first = loaded.Problems.FirstOrDefault(p => p.IsError);
        if (first is not null || loaded.Recipes.Count != 1)
        {
            string why = first?.Text ?? "it holds no single recipe";
            Error(at, DiagnosticCodes.ModelUnreadable, $"model.artifact '{written}': its {ResolvedRecipeFileName} does not load with this wmq: {why}");
            return null;
        }

        return loaded.Recipes[0];
    }

    private void WarnIgnored(Recipe recipe, Recipe made)
    {
        string artifact = made.Quantization.Describe();
        if (source.Has("quantization")
            && RecipeWriter.Quantization(recipe.Quantization).ToJsonString() != RecipeWriter.Quantization(made.Quantization).ToJsonString())
        {
            problems.Add(Diagnostic.At(source.Of("quantization"), Severity.Warning, DiagnosticCodes.IneffectiveSetting,
                $"quantization is ignored with model.artifact: the artifact is already quantized ({artifact}), not as this section says " +
                $"({recipe.Quantization.Describe()}); remove the section, or quantize the checkpoint without model.artifact"));
        }

        if (source.Has("calibration") && recipe.Calibration != made.Calibration)
        {
            problems.Add(Diagnostic.At(source.Of("calibration"), Severity.Warning, DiagnosticCodes.IneffectiveSetting,
                "calibration is ignored with model.artifact: nothing is calibrated; the manifest records the artifact's own calibration"));
        }
    }

    /// <summary>The checkpoint must be the artifact's source: its hash, its model config and its normalization statistics.</summary>
    private void CheckCheckpoint(ModelSpec model, string checkpoint, ArtifactConfigFile description, string artifact)
    {
        var at = source.Of("model.checkpoint");
        string shown = Written("model.checkpoint", checkpoint);
        if (description.SourceModelSha256 is not { } expected)
        {
            Error(at, DiagnosticCodes.ModelInputsDisagree,
                $"the artifact '{artifact}' records no {ArtifactConfigFile.SourceModelNote} in its config.json, so model.checkpoint '{shown}' " +
                "cannot be shown to be its source; leave model.checkpoint out (and gate without the FP model)");
            return;
        }

        string actual;
        try
        {
            actual = FileHashes.Sha256(checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(at, DiagnosticCodes.ModelUnreadable, $"model.checkpoint '{shown}' cannot be read: {e.Message}");
            return;
        }

        if (actual != expected)
        {
            Error(at, DiagnosticCodes.ModelInputsDisagree,
                $"model.checkpoint '{shown}' has SHA-256 {actual}, but the artifact '{artifact}' was quantized from {expected} " +
                $"(config.json wmq.notes.{ArtifactConfigFile.SourceModelNote}); name the checkpoint it was made from, or leave model.checkpoint out");
            return;
        }

        CheckConfig(model, checkpoint, description, artifact);
        CheckNormalization(checkpoint, description, artifact);
    }

    private void CheckConfig(ModelSpec model, string checkpoint, ArtifactConfigFile description, string artifact)
    {
        string configFile = model.Config ?? WorldModelCheckpoint.ConfigPathFor(checkpoint);
        if (!File.Exists(configFile))
        {
            return; // A config in the checkpoint's metadata only: the run's model check reads it.
        }

        var ours = WorldModelConfigYaml.Load(configFile, boundary);
        var theirs = WorldModelConfigYaml.Parse(description.ModelConfigYaml, "config.json#wmq.model_config");
        if (ours.Config is null || theirs.Config is null)
        {
            if (theirs.Config is null)
            {
                Error(source.Of("model.artifact"), DiagnosticCodes.ModelConfigUnparsable,
                    $"the artifact '{artifact}' carries a model config that does not parse: {(theirs.Problems.Count > 0 ? theirs.Problems[0] : "")}");
            }

            return; // The checkpoint's own config problem is reported by the run's model check, at the file.
        }

        // The name is a label for reports; every other setting shapes the network.
        var named = ours.Config with { Name = theirs.Config.Name };
        if (named != theirs.Config)
        {
            var differing = Lines(WorldModelConfigYaml.Serialize(named)).Except(Lines(WorldModelConfigYaml.Serialize(theirs.Config))).Take(5);
            string where = model.Config is null ? "model.checkpoint" : "model.config";
            Error(source.Of(where), DiagnosticCodes.ModelInputsDisagree,
                $"the model config '{Written(where, configFile)}' differs from the one the artifact '{artifact}' was quantized with " +
                $"({string.Join("; ", differing)}); the FP model and the artifact must be the same network");
        }
    }

    private void CheckNormalization(string checkpoint, ArtifactConfigFile description, string artifact)
    {
        string path = Path.Combine(Path.GetDirectoryName(checkpoint)!, NormalizationRecord.FileName);
        if (!File.Exists(path) || description.Normalization is not { } theirs)
        {
            return; // Missing statistics are reported by the run's model checks.
        }

        var (ours, problem) = BoundedText.ReadJson<NormalizationRecord>(path, InputLimits.Normalization, SnakeCase, boundary);
        if (problem is not null || ours?.ActionMean is null || ours.ActionStd is null || ours.ProprioMean is null || ours.ProprioStd is null)
        {
            return;
        }

        bool same = ours.ActionMean.SequenceEqual(theirs.ActionMean) && ours.ActionStd.SequenceEqual(theirs.ActionStd)
            && ours.ProprioMean.SequenceEqual(theirs.ProprioMean) && ours.ProprioStd.SequenceEqual(theirs.ProprioStd);
        if (!same)
        {
            Error(source.Of("model.checkpoint"), DiagnosticCodes.ModelInputsDisagree,
                $"{NormalizationRecord.FileName} beside model.checkpoint holds other statistics than the artifact '{artifact}' carries " +
                "(config.json wmq.normalization): the FP baseline and the artifact would plan with different action and proprio scales");
        }
    }

    private string Written(string path, string fallback) =>
        BoundedText.Shorten(source.Has(path) && source.Value(path) is { } value ? value : fallback);

    private static string[] Lines(string yaml) => yaml.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private void Error(SourcePosition at, string code, string message) => problems.Add(Diagnostic.At(at, Severity.Error, code, message));
}
