namespace WmQuant.TestSupport;

/// <summary>
/// The valid inputs the mutation properties damage: a recipe touching every kind of setting (anchors, aliases, a
/// matrix with excludes, extends, module globs, method options, gates) and its base; the model config and
/// normalization.json are the bundled Wall model's. Shared by the in-process property and its process sample.
/// </summary>
internal static class MutationCorpus
{
    /// <summary>The recipe (r.yaml), beside base.yaml and models/wall/.</summary>
    public const string Recipe = """
        version: 1
        name: sweep
        description: "every kind of setting, for the mutation property"
        extends: base.yaml
        model: { checkpoint: models/wall/model.safetensors, config: models/wall/model.yaml }
        environment: wall
        device: cpu
        seed: 3
        calibration: { episodes: 5, seed_offset: 2, mpc_iterations: 1 }
        quantization:
          method: omse
          weights: &w { bits: 4, granularity: group, group_size: 32, symmetric: false }
          activations: { bits: 8, granularity: per-tensor }
          modules:
            encoder: { weights: *w, activations: none }
            predictor.transformer.*: { weights: { group_size: 64 } }
          method_options:
            omse: { candidates: 40 }
            gptq: { damp: 0.02, block_size: 64, act_order: true }
        evaluation:
          episodes: 4
          seed_offset: 1
          planner: { profile: cpu, kind: mpc-cem, horizon: 3, samples: 16, top_k: 4, opt_steps: 2, max_iterations: 3, alpha: 0.5, sigma: 1.0 }
        gates:
          - { metric: success_rate, min: 0.5, confidence: 0.9 }
          - { metric: state_distance, max: 4.5 }
          - { metric: success_rate, max_drop_vs_baseline: 0.1, baseline: fp }
        artifact: { name: sweep-art, version: 1.2.3-rc.1, formats: [safetensors, nupkg] }
        matrix:
          quantization.weights.bits: [4, 8]
          quantization.method: [omse, rtn]
          exclude:
            - { quantization.weights.bits: 8, quantization.method: rtn }

        """;

    /// <summary>The base the recipe extends.</summary>
    public const string Base = """
        # the base of the mutation property's recipe
        version: 1
        description: base
        evaluation: { episodes: 2, planner: { profile: cpu } }
        gates: []

        """;

    /// <summary>Stream numbers of <see cref="ByteMutations.Seeds"/>, one per kind of input damaged.</summary>
    public const ulong RecipeStream = 1;

    /// <summary>The base recipe's stream.</summary>
    public const ulong BaseStream = 2;

    /// <summary>The model config's stream.</summary>
    public const ulong ConfigStream = 3;

    /// <summary>normalization.json's stream.</summary>
    public const ulong NormalizationStream = 4;

    /// <summary>The stream of evaluation records and baselines given to <c>wmq gate</c>.</summary>
    public const ulong EvaluationStream = 5;
}
