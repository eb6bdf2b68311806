// Part of the wmq <-> MSBuild contract (see ExitCodes.cs).
using System.Text.Json.Serialization;

namespace WmQuant.Contract;

/// <summary>
/// How a run (or one recipe of it) ended. One type, one spelling (the JSON names below) in `wmq run --json`,
/// manifests, logs and the MSBuild tasks.
/// </summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
enum RunStatus
{
    /// <summary>Evaluated and every gate passed.</summary>
    [JsonStringEnumMemberName("passed")]
    Passed,

    /// <summary>Written without a verdict: gates skipped, no gates, or evaluation skipped.</summary>
    [JsonStringEnumMemberName("ungated")]
    Ungated,

    /// <summary>A gate failed (or could not be judged); the artifact is written, marked failed.</summary>
    [JsonStringEnumMemberName("gate_failed")]
    GateFailed,

    /// <summary>Bad input; nothing was written.</summary>
    [JsonStringEnumMemberName("invalid_input")]
    InvalidInput,

    /// <summary>The environment failed (device, I/O, cancelled); finished stages stay cached.</summary>
    [JsonStringEnumMemberName("environment_failure")]
    EnvironmentFailure,
}

/// <summary>The exit code and spelling of a <see cref="RunStatus"/>.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
static class RunStatuses
{
    /// <summary>The exit code a run with this status returns.</summary>
    public static int ExitCode(RunStatus status) => status switch
    {
        RunStatus.Passed or RunStatus.Ungated => ExitCodes.Passed,
        RunStatus.GateFailed => ExitCodes.GateFailed,
        RunStatus.InvalidInput => ExitCodes.InvalidInput,
        _ => ExitCodes.EnvironmentFailure,
    };

    /// <summary>The spelling of a status ("gate_failed"): its declared JSON name.</summary>
    public static string Name(RunStatus status) => System.Text.Json.JsonSerializer.Serialize(status, WmqJson.Options).Trim('"');

    /// <summary>The status of several runs together: the worst one (input problems before failed gates).</summary>
    public static RunStatus Worst(IEnumerable<RunStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        RunStatus worst = RunStatus.Passed;
        foreach (var status in statuses)
        {
            if (Rank(status) > Rank(worst))
            {
                worst = status;
            }
        }

        return worst;
    }

    private static int Rank(RunStatus status) => status switch
    {
        RunStatus.Passed => 0,
        RunStatus.Ungated => 1,
        RunStatus.GateFailed => 2,
        RunStatus.EnvironmentFailure => 3,
        _ => 4,
    };
}
