namespace WmQuant.Cli.Hosting;

/// <summary>wmq's exit codes; the README documents them and the MSBuild tasks map them to errors.</summary>
internal static class ExitCodes
{
    /// <summary>Everything ran and every gate passed.</summary>
    public const int Ok = 0;

    /// <summary>The pipeline ran, and a gate failed.</summary>
    public const int GateFailed = 1;

    /// <summary>A recipe, option or input file is invalid; nothing ran.</summary>
    public const int InvalidInput = 2;

    /// <summary>Something broke while running (a device, a file system, a bug).</summary>
    public const int RuntimeFailure = 3;
}
