using WmQuant.Models;
using WmQuant.Quantization.Calibration;
using WmQuant.Quantization.Model;

namespace WmQuant.Quantization.Methods;

/// <summary>
/// A quantization method as a transform of a whole world model: (model, calibration data or null, plan) → the model
/// quantized in place (fake quantization: weights replaced by dequant(quant(W)), input quantizers installed) plus a
/// per-layer report and the codes to pack. Problems the user can fix come back as <see cref="QuantizationError"/>
/// values, before anything in the model changes.
/// </summary>
public interface IModelQuantizationMethod
{
    /// <summary>Short name recorded in reports and artifact metadata ("rtn", "omse").</summary>
    string Name { get; }

    /// <summary>Quantizes <paramref name="model"/> in place according to <paramref name="plan"/>.</summary>
    /// <param name="model">A full-precision model (apply a method once per model).</param>
    /// <param name="calibration">Calibration statistics; required when the plan asks for static activation ranges, otherwise used for output-error reports.</param>
    /// <param name="plan">Which layers get which settings.</param>
    QuantizationOutcome Apply(DinoWorldModel model, CalibrationSet? calibration, ModelQuantizationPlan plan);
}

/// <summary>The result of a quantization request: a result, or an error and an unchanged model.</summary>
/// <param name="Result">What was done, when it succeeded; the caller owns (disposes) it.</param>
/// <param name="Error">Why nothing was done, otherwise.</param>
public sealed record QuantizationOutcome(ModelQuantizationResult? Result, QuantizationError? Error)
{
    /// <summary>True when <see cref="Result"/> is set.</summary>
    public bool Ok => Result is not null;

    /// <summary>The result, or an <see cref="InvalidOperationException"/> carrying the error (for callers that already validated the request).</summary>
    public ModelQuantizationResult Unwrap() => Result ?? throw new InvalidOperationException(Error!.ToString());
}
