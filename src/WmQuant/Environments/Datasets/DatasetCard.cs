using System.Text.Json.Serialization;

namespace WmQuant.Environments.Datasets;

/// <summary>
/// The dataset card (<c>dataset.json</c>): what generated the data, from which seed, its shape, the
/// environment parameters needed to re-render it, and the normalisation statistics training and
/// planning use (actions are normalised with <see cref="ActionMean"/>/<see cref="ActionStd"/>).
/// </summary>
public sealed record DatasetCard
{
    /// <summary>Card format version; bumped when the layout of the binary files changes.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>Environment name ("wall" or "pusht").</summary>
    public required string Environment { get; init; }

    /// <summary>Which policy produced the actions, in words.</summary>
    public required string Generator { get; init; }

    /// <summary>Master seed; trajectory i uses a seed derived from it and i.</summary>
    public required int Seed { get; init; }

    /// <summary>Number of trajectories.</summary>
    public required int Trajectories { get; init; }

    /// <summary>Actions per trajectory (states per trajectory is one more).</summary>
    public required int StepsPerTrajectory { get; init; }

    /// <summary>Values per state.</summary>
    public required int StateDim { get; init; }

    /// <summary>Values per environment action.</summary>
    public required int ActionDim { get; init; }

    /// <summary>Values per proprioceptive vector.</summary>
    public required int ProprioDim { get; init; }

    /// <summary>Environment steps grouped into one model action (the model's action is frameskip × actionDim).</summary>
    public required int Frameskip { get; init; }

    /// <summary>Environment parameters needed to rebuild the environment (for Wall: wall_x, door_y).</summary>
    public Dictionary<string, double> EnvironmentParameters { get; init; } = [];

    /// <summary>Per-dimension mean of all actions.</summary>
    public required double[] ActionMean { get; init; }

    /// <summary>Per-dimension standard deviation of all actions.</summary>
    public required double[] ActionStd { get; init; }

    /// <summary>Per-dimension mean of all proprioceptive vectors.</summary>
    public required double[] ProprioMean { get; init; }

    /// <summary>Per-dimension standard deviation of all proprioceptive vectors.</summary>
    public required double[] ProprioStd { get; init; }

    /// <summary>Per-dimension mean of all states.</summary>
    public required double[] StateMean { get; init; }

    /// <summary>Per-dimension standard deviation of all states.</summary>
    public required double[] StateStd { get; init; }

    /// <summary>File of states: little-endian float32 [trajectories, steps + 1, stateDim].</summary>
    public string StatesFile { get; init; } = "states.f32";

    /// <summary>File of actions: little-endian float32 [trajectories, steps, actionDim].</summary>
    public string ActionsFile { get; init; } = "actions.f32";

    /// <summary>Caveats a user must know (for example that PushT data is scripted, not expert demos).</summary>
    public string Notes { get; init; } = "";

    /// <summary>JSON options used for the card: indented, camel-case.</summary>
    [JsonIgnore]
    public static System.Text.Json.JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
    };
}
