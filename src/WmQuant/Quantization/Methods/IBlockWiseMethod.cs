namespace WmQuant.Quantization.Methods;

/// <summary>
/// A method that optimises whole transformer blocks and so needs their input sequences, which per-layer calibration
/// statistics cannot give (a Linear's reservoir holds single tokens of a LayerNorm's output). Whoever calibrates for such
/// a method sets <see cref="Calibration.CalibrationSettings.BlockInputSamples"/> to <see cref="BlockInputSamples"/>.
/// </summary>
public interface IBlockWiseMethod
{
    /// <summary>Input sequences to keep per block input (and predictor window length) when calibrating.</summary>
    int BlockInputSamples { get; }
}
