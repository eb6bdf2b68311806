namespace WmQuant.TestSupport;

/// <summary>
/// The smallest recipe that runs every stage on the bundled Wall model (4 calibration episodes of one MPC iteration,
/// 2 evaluation episodes of one), shared by the in-process tests and the process tests.
/// </summary>
internal static class QuickRecipes
{
    /// <summary>
    /// The recipe named <paramref name="name"/> (its artifact too), reading the model from <paramref name="modelFolder"/>
    /// (relative to the recipe) and gated by <paramref name="gate"/>.
    /// </summary>
    public static string Text(string name, string modelFolder = "models/wall", string gate = "{ metric: success_rate, min: 0.0 }") => $$"""
        version: 1
        name: {{name}}
        model: { checkpoint: {{modelFolder}}/model.safetensors, config: {{modelFolder}}/model.yaml }
        environment: wall
        device: cpu
        seed: 0
        calibration: { episodes: 4, seed_offset: 2, mpc_iterations: 1 }
        quantization:
          method: rtn
          weights: { bits: 4, granularity: group, group_size: 128 }
          activations: none
        evaluation: { episodes: 2, planner: { profile: cpu, max_iterations: 1 } }
        gates:
          - {{gate}}
        artifact: { name: {{name}}, version: 1.0.0 }
        """;
}
