using WmQuant.Models.Checkpoints;

namespace WmQuant.Quantization.Calibration;

/// <summary>
/// The dataset statistics planners apply (normalization.json beside a model): actions are planned in normalised
/// units and denormalised for the environment; proprio is normalised before encoding. They change what the planner
/// does, so they are part of every calibration and sensitivity setting.
/// </summary>
/// <param name="ActionMean">Per environment action dimension.</param>
/// <param name="ActionStd">Per environment action dimension.</param>
/// <param name="ProprioMean">Per proprio dimension.</param>
/// <param name="ProprioStd">Per proprio dimension.</param>
public sealed record PlanningNormalization(float[] ActionMean, float[] ActionStd, float[] ProprioMean, float[] ProprioStd)
{
    /// <summary>Identity statistics (mean 0, std 1), for models trained on raw values and for tests.</summary>
    public static PlanningNormalization Identity(int actionDim, int proprioDim) =>
        new(new float[actionDim], [.. Enumerable.Repeat(1f, actionDim)], new float[proprioDim], [.. Enumerable.Repeat(1f, proprioDim)]);

    /// <summary>The statistics a model was trained with (its normalization.json).</summary>
    public static PlanningNormalization Of(ModelBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var n = bundle.Normalization;
        return new(Floats(n.ActionMean), Floats(n.ActionStd), Floats(n.ProprioMean), Floats(n.ProprioStd));
    }

    private static float[] Floats(double[] values) => [.. values.Select(v => (float)v)];
}
