using WmQuant.Planning.Objectives;
using WmQuant.Planning.Optimizers;
using WmQuant.Quantization.Calibration;

namespace WmQuant.Quantization.Sensitivity;

/// <summary>What a sensitivity scan quantizes at a time.</summary>
public enum SensitivityUnit
{
    /// <summary>One layer at a time.</summary>
    Layer,

    /// <summary>One transformer block at a time ("encoder.blocks.i", "predictor.transformer.layers.i"); other layers alone.</summary>
    Block,

    /// <summary>One module group at a time (every encoder Linear together, every predictor Linear together).</summary>
    Group,
}

/// <summary>Which number orders the scan's result.</summary>
public enum SensitivityRanking
{
    /// <summary>Mean over episodes of |J_Q(a_Q) − J_FP(a_FP)|: how far the objective the planner reaches moves (the default).</summary>
    PlanLossChange,

    /// <summary>Mean over episodes of J_FP(a_Q) − J_FP(a_FP): how much worse the quantized model's plan is, judged by the FP model.</summary>
    FpRegret,

    /// <summary>Summed output MSE of the unit's layers on calibration tokens (no planning signal; needs calibration data).</summary>
    OutputMse,
}

/// <summary>
/// Settings of a sensitivity scan: K calibration episodes (seeds 99·n+2), one CEM plan per episode from its start
/// towards its goal with fixed noise (the same noise for the FP model and every quantized variant).
/// </summary>
/// <param name="Normalization">Dataset statistics (only the proprio part matters: plans stay in normalised action units).</param>
/// <param name="Cem">CEM settings of the one plan per episode.</param>
/// <param name="Episodes">K, the number of calibration episodes (keep small: each unit costs one CEM plan over K episodes).</param>
/// <param name="FirstEpisode">Index n of the first episode.</param>
/// <param name="PlanningSeed">Seed of the planning noise.</param>
/// <param name="Objective">Objective weights (default: alpha 1).</param>
/// <param name="Unit">Layer or block at a time.</param>
/// <param name="RankBy">Which number sorts the result.</param>
/// <param name="SeedOffset">Episode n uses seed 99·n + this (2: the calibration episodes).</param>
public sealed record SensitivitySettings(
    PlanningNormalization Normalization,
    CemSettings Cem,
    int Episodes = 8,
    int FirstEpisode = 0,
    long PlanningSeed = 0,
    ObjectiveSettings? Objective = null,
    SensitivityUnit Unit = SensitivityUnit.Layer,
    SensitivityRanking RankBy = SensitivityRanking.PlanLossChange,
    int SeedOffset = 2);
