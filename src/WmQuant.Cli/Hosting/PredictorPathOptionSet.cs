using System.CommandLine;
using WmQuant.Models;

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

    /// <summary>Sets the model's inference paths from the switches.</summary>
    public void Apply(ParseResult parse, DinoWorldModel model)
    {
        model.Predictor.IncrementalInference = !parse.GetValue(FullPredictor);
        model.PadForTensorCores = !parse.GetValue(NoPadding);
    }

    /// <summary>Whether the default incremental predictor runs.</summary>
    public bool Incremental(ParseResult parse) => !parse.GetValue(FullPredictor);

    /// <summary>Whether tensor-core padding is on.</summary>
    public bool Padding(ParseResult parse) => !parse.GetValue(NoPadding);

    /// <summary>The predictor path and padding, in words, for the benchmark's report.</summary>
    public string Describe(ParseResult parse) =>
        $"{(Incremental(parse) ? "incremental (cached growing window, last layer on the last frame)" : "full masked pass over every window")}, tensor-core padding {(Padding(parse) ? "on" : "off")}";
}
