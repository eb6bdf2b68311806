using System.CommandLine;
using WmQuant.Models.Benchmarks;

namespace WmQuant.Cli.Hosting;

/// <summary>The --full-predictor and --no-padding switches the benchmarks share, to time the earlier inference paths against the defaults.</summary>
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

    public void AddTo(Command command)
    {
        command.Options.Add(FullPredictor);
        command.Options.Add(NoPadding);
    }

    /// <summary>The paths the switches ask for.</summary>
    public InferencePaths Read(ParseResult parse) => new(!parse.GetValue(FullPredictor), !parse.GetValue(NoPadding));

    /// <summary>The predictor path and padding, in words, for the benchmark's report.</summary>
    public static string Describe(InferencePaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        string predictor = paths.Incremental
            ? "incremental (cached growing window, last layer on the last frame)"
            : "full masked pass over every window";
        return $"{predictor}, tensor-core padding {(paths.TensorCorePadding ? "on" : "off")}";
    }
}
