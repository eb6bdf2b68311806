using System.CommandLine;
using WmQuant.Models.Benchmarks;

namespace WmQuant.Cli.Hosting;

/// <summary>
/// The --full-predictor, --no-padding and --no-math-attention switches the benchmarks share, to time the earlier inference
/// paths against the defaults and to find out which attention kernels the default path gets.
/// </summary>
internal sealed class PredictorPathOptionSet
{
    public Option<bool> FullPredictor { get; } = new("--full-predictor")
    {
        Description = "Recompute every window frame with the masked full predictor pass (the path before incremental inference), for comparison.",
    };

    public Option<bool> NoPadding { get; } = new("--no-padding")
    {
        Description = "Keep half-precision CUDA matmuls at the model's own widths (no tensor-core padding), for comparison.",
    };

    public Option<bool> NoMathAttention { get; } = new("--no-math-attention")
    {
        Description = "On CUDA, forbid libtorch's unfused (math) attention kernel, so that only the flash or memory-efficient kernels may " +
            "run attention: same time as without it means the default path already gets them; an error means it does not.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(FullPredictor);
        command.Options.Add(NoPadding);
        command.Options.Add(NoMathAttention);
    }

    /// <summary>The paths the switches ask for.</summary>
    public InferencePaths Read(ParseResult parse) =>
        new(!parse.GetValue(FullPredictor), !parse.GetValue(NoPadding), !parse.GetValue(NoMathAttention));

    /// <summary>The predictor path and padding, in words, for the benchmark's report.</summary>
    public static string Describe(InferencePaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        string predictor = paths.Incremental
            ? "incremental (cached growing window, last layer on the last frame)"
            : "full masked pass over every window";
        string attention = paths.MathAttention ? string.Empty : ", math attention off (fused kernels only, CUDA)";
        return $"{predictor}, tensor-core padding {(paths.TensorCorePadding ? "on" : "off")}{attention}";
    }
}
