// Part of the wmq <-> MSBuild contract (see ExitCodes.cs).
using System.Text.Json.Serialization;

namespace WmQuant.Contract;

/// <summary>How much a diagnostic matters: errors stop the work, warnings are reported and let it run.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
enum Severity
{
    /// <summary>Probably not what the author meant; the work goes on.</summary>
    [JsonStringEnumMemberName("warning")]
    Warning,

    /// <summary>The work cannot go on until this is fixed.</summary>
    [JsonStringEnumMemberName("error")]
    Error,
}
