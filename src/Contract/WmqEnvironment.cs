// Part of the wmq <-> MSBuild contract: compiled into the WmQuant library (public) and, as a linked file, into
// WmQuant.Build (internal), so the engine and the tasks name the same variables.
namespace WmQuant.Contract;

/// <summary>Environment variables wmq reads that its front ends set.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
static class WmqEnvironment
{
    /// <summary>
    /// Set to 1 to keep wmq from writing GitHub Actions annotations even on GitHub Actions: the MSBuild tasks set it,
    /// because their errors reach GitHub through the build's own problem matcher and would otherwise show twice.
    /// </summary>
    public const string NoAnnotations = "WMQ_NO_ANNOTATIONS";
}
