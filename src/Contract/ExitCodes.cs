// Part of the wmq <-> MSBuild contract: compiled into the WmQuant library (public) and, as a linked file, into
// WmQuant.Build (internal), so the engine and the tasks can never disagree on what an exit code means.
namespace WmQuant.Contract;

/// <summary>wmq's exit codes. Every command returns one of these four and nothing else.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
static class ExitCodes
{
    /// <summary>Everything ran and every gate passed (or there was nothing to gate).</summary>
    public const int Passed = 0;

    /// <summary>The pipeline ran and a gate failed; the artifact is written, marked failed. Never used for anything else.</summary>
    public const int GateFailed = 1;

    /// <summary>Bad input of any kind (command line, recipe, option value, input file); nothing was written.</summary>
    public const int InvalidInput = 2;

    /// <summary>The environment failed: device, memory, file system, cancellation, or a bug (the message says which).</summary>
    public const int EnvironmentFailure = 3;

    /// <summary>
    /// The exit code errors with these diagnostic codes lead to (the family table of ERROR_CODES.md), ranked as
    /// <see cref="RunStatuses.Worst"/> ranks statuses: any bad input gives 2, else any device, I/O or internal failure
    /// 3, else a failed or unjudged gate 1; no code gives 0.
    /// </summary>
    public static int ForErrors(IEnumerable<string> codes)
    {
        int worst = Passed;
        foreach (string code in codes)
        {
            int exit = code switch
            {
                DiagnosticCodes.DeviceUnavailable or DiagnosticCodes.StageFailed or DiagnosticCodes.InternalError
                    or DiagnosticCodes.OutputUnwritable or DiagnosticCodes.OutOfMemory => EnvironmentFailure,
                DiagnosticCodes.GateFailed or DiagnosticCodes.GateNotJudged => GateFailed,
                _ => InvalidInput,
            };
            worst = Rank(exit) > Rank(worst) ? exit : worst;
        }

        return worst;
    }

    private static int Rank(int code) => code switch
    {
        InvalidInput => 3,
        EnvironmentFailure => 2,
        GateFailed => 1,
        _ => 0,
    };

    /// <summary>The meaning of a code in a few words, for build messages.</summary>
    public static string Meaning(int code) => code switch
    {
        Passed => "passed",
        GateFailed => "a gate failed",
        InvalidInput => "invalid input",
        EnvironmentFailure => "environment or I/O failure",
        _ => "not a wmq exit code",
    };
}
