namespace WmQuant.Build.Diagnostics;

/// <summary>
/// One line of `wmq` output in MSBuild's canonical error format, taken apart so the task can hand MSBuild the code,
/// file and position separately (IDEs and GitHub's problem matcher link them to the recipe line).
/// </summary>
/// <param name="File">The origin as written by wmq (may be relative), or null when the line names no file.</param>
/// <param name="Line">1-based line, 0 when unknown.</param>
/// <param name="Column">1-based column, 0 when unknown.</param>
/// <param name="IsWarning">True for `warning`, false for `error`.</param>
/// <param name="Code">The code, e.g. WMQ4001.</param>
/// <param name="Message">The text after the code.</param>
internal sealed record CanonicalDiagnostic(string? File, int Line, int Column, bool IsWarning, string Code, string Message);
