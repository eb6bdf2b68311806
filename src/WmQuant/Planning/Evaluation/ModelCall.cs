namespace WmQuant.Planning.Evaluation;

/// <summary>Which model entry point is about to run.</summary>
public enum ModelCallKind
{
    /// <summary><see cref="ILatentWorldModel.Encode"/>.</summary>
    Encode,

    /// <summary><see cref="ILatentWorldModel.PredictFinal"/>.</summary>
    PredictFinal,
}

/// <summary>Describes a model call to observers.</summary>
/// <param name="Kind">Entry point.</param>
/// <param name="BatchSize">Rows in the call.</param>
/// <param name="Sequence">Zero-based count of calls made through the wrapper before this one.</param>
public sealed record ModelCall(ModelCallKind Kind, long BatchSize, long Sequence);
