using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.Quantization.Methods.Registry;
using WmQuant.Recipes;
using WmQuant.Tests.Recipes;

namespace WmQuant.Tests.Pipeline;

/// <summary>A throwaway repository (a folder with .git) holding a copy of the bundled Wall model and recipes written by a test.</summary>
internal sealed class PipelineWorkspace : IDisposable
{
    public PipelineWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "wmq-pipeline-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, ".git"));
        string models = Path.Combine(Root, "models", "wall");
        Directory.CreateDirectory(models);
        foreach (var file in new[] { "model.safetensors", "model.yaml", "normalization.json" })
        {
            File.Copy(RepositoryFiles.PathOf(Path.Combine("models", "wall", file)), Path.Combine(models, file));
        }
    }

    public string Root { get; }

    public string Output => Path.Combine(Root, "artifacts");

    public string Cache => Path.Combine(Root, ".wmq", "cache");

    /// <summary>A small recipe (2 episodes, at most 2 MPC iterations, CPU planner) with the given extra blocks.</summary>
    public string WriteRecipe(string name, string gates = "  - { metric: success_rate, min: 0.0 }", string method = "rtn", string weights = "{ bits: 4, granularity: group, group_size: 32 }", string formats = "[safetensors]", string methodOptions = "{}")
    {
        string path = Path.Combine(Root, name + ".yaml");
        File.WriteAllText(path, $"""
            version: 1
            name: {name}
            model: {"{"} checkpoint: models/wall/model.safetensors {"}"}
            environment: wall
            device: cpu
            seed: 0
            calibration: {"{"} episodes: 4, mpc_iterations: 1 {"}"}
            quantization:
              method: {method}
              weights: {weights}
              method_options: {methodOptions}
            evaluation:
              episodes: 2
              planner: {"{"} profile: cpu, samples: 16, top_k: 4, opt_steps: 2, max_iterations: 2 {"}"}
            gates:
            {gates}
            artifact: {"{"} name: {name}-artifact, version: 1.2.3, formats: {formats} {"}"}

            """);
        return path;
    }

    public Recipe Load(string path, QuantizationMethodRegistry? methods = null)
    {
        var result = RecipeLoader.Load(path, new RecipeLoadOptions { RepositoryRoot = Root, Methods = methods ?? QuantizationMethodRegistry.Builtin });
        Assert.That(result.Problems.Where(p => p.Severity == Severity.Error), Is.Empty);
        return result.Recipes.Single();
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
