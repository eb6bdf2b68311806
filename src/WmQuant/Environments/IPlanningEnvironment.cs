using WmQuant.Environments.Rendering;

namespace WmQuant.Environments;

/// <summary>
/// A visual planning task the planner drives: it is reset to an exact state, stepped with
/// actions, rendered for the model and judged against a goal state. Implementations are
/// deterministic: the same state and actions always give the same states and frames.
/// </summary>
/// <remarks>
/// Stepping and rendering are separate on purpose: a planner executing 25 environment steps
/// per MPC iteration needs the frame only at the end, and rendering dominates a step's cost.
/// </remarks>
public interface IPlanningEnvironment
{
    /// <summary>Short name used in dataset cards and CLI options (for example "wall").</summary>
    string Name { get; }

    /// <summary>Size of one environment action (before any frameskip grouping).</summary>
    int ActionDim { get; }

    /// <summary>Size of the proprioceptive vector the model receives next to the image.</summary>
    int ProprioDim { get; }

    /// <summary>Size of the full simulator state (what datasets store and goals are made of).</summary>
    int StateDim { get; }

    /// <summary>Side of the square frames <see cref="Observe"/> returns (the model's image size).</summary>
    int ImageSize { get; }

    /// <summary>Renders arbitrary states of this task (goal images, dataset frames) without touching the simulator.</summary>
    IFrameRenderer Renderer { get; }

    /// <summary>Draws the (start, goal) pair of an evaluation episode from its seed alone.</summary>
    EpisodeSpec SampleEpisode(int seed);

    /// <summary>Samples the episode of <paramref name="seed"/>, moves to its start state and observes it.</summary>
    Observation Reset(int seed);

    /// <summary>Puts the simulator exactly in <paramref name="state"/> (length <see cref="StateDim"/>).</summary>
    void SetState(ReadOnlySpan<double> state);

    /// <summary>Advances one environment step under <paramref name="action"/> (length <see cref="ActionDim"/>).</summary>
    void Step(ReadOnlySpan<double> action);

    /// <summary>Copies the current state into <paramref name="destination"/> (length <see cref="StateDim"/>).</summary>
    void CopyState(Span<double> destination);

    /// <summary>Copies the current proprioception into <paramref name="destination"/> (length <see cref="ProprioDim"/>).</summary>
    void CopyProprio(Span<double> destination);

    /// <summary>Whether the current state counts as reaching <paramref name="goalState"/> under the task's rule.</summary>
    bool IsSuccess(ReadOnlySpan<double> goalState);

    /// <summary>L2 distance over the full state to <paramref name="goalState"/> (the study's "state distance" metric).</summary>
    double StateDistance(ReadOnlySpan<double> goalState);

    /// <summary>Renders the current state at <paramref name="size"/> × <paramref name="size"/> pixels.</summary>
    RgbFrame Render(int size);

    /// <summary>Renders at <see cref="ImageSize"/> and pairs the frame with the proprioception.</summary>
    Observation Observe();
}
