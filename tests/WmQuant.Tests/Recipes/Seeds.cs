namespace WmQuant.Tests.Recipes;

/// <summary>The fixed seeds of the recipe property tests, so every run draws the same cases.</summary>
internal static class Seeds
{
    public const ulong Value = 20261124;

    /// <summary>FsCheck replay "(seed,gamma)"; gamma must be odd.</summary>
    public const string Replay = "(20261124,1013904223)";
}
