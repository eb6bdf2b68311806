using WmQuant.Models;
using WmQuant.Models.Layers;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;

namespace WmQuant.Quantization.Methods;

/// <summary>
/// The steps every model method shares around its own algorithm, so that each method states only what is its own.
/// <see cref="Begin"/> runs every check before anything changes (errors as values). <see cref="Records"/> turns the
/// resolved scope into layer records; packed codes hold native memory, so when one layer throws (a bug, or the device
/// running out of memory) the codes already made are freed before the exception goes on.
/// </summary>
internal static class MethodSteps
{
    /// <summary>
    /// The checks of a calibrated method, in order: its options (<paramref name="optionsProblem"/>), then the plan
    /// resolved on <paramref name="model"/> against the calibration rules (<see cref="WeightOnlyChecks.Check"/> when
    /// <paramref name="weightOnly"/>, else <see cref="WeightOnlyChecks.CheckCalibrated"/>). Returns the refusal, or
    /// null with the resolved scope and the model's layers by name.
    /// </summary>
    public static QuantizationOutcome? Begin(
        string method,
        string? optionsProblem,
        DinoWorldModel model,
        ModelQuantizationPlan plan,
        CalibrationSet? calibration,
        bool weightOnly,
        out ResolvedQuantizationScope scope,
        out Dictionary<string, IQuantizableLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        scope = null!;
        layers = null!;
        if (optionsProblem is not null)
        {
            return new QuantizationOutcome(null, new QuantizationError(QuantizationError.InvalidRequest, optionsProblem));
        }

        scope = plan.Resolve(model);
        layers = model.QuantizableLayersByName();
        var error = weightOnly
            ? WeightOnlyChecks.Check(method, scope, layers, calibration)
            : WeightOnlyChecks.CheckCalibrated(method, scope, layers, calibration);
        return error is null ? null : new QuantizationOutcome(null, error);
    }

    /// <summary>One record per layer of <paramref name="scope"/>, in scope order, each made by <paramref name="record"/>.</summary>
    public static List<LayerQuantizationRecord> Records(ResolvedQuantizationScope scope, Func<LayerQuantSettings, LayerQuantizationRecord> record)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(record);
        var records = new List<LayerQuantizationRecord>(scope.Layers.Count);
        try
        {
            foreach (var settings in scope.Layers)
            {
                records.Add(record(settings));
            }
        }
        catch
        {
            Free(records);
            throw;
        }

        return records;
    }

    /// <summary>Frees the packed codes of <paramref name="records"/> (those of float layers are null).</summary>
    public static void Free(IEnumerable<LayerQuantizationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            record.Codes?.Dispose();
        }
    }
}
