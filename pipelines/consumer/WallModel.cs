namespace WmQuant.Models.Wall;

/// <summary>
/// Where the quantized Wall model lands next to an application that references this package, so code can load it
/// without knowing the build's folder layout.
/// </summary>
public static class WallModel
{
    /// <summary>The artifact's folder name (artifact.name in wall-w4g128-cpu.yaml).</summary>
    public const string ArtifactName = "wall-dinowm-w4g128-cpu";

    /// <summary>The artifact folder in the application's output: quantized/&lt;artifact&gt;/.</summary>
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "quantized", ArtifactName);

    /// <summary>The packed weights (compressed-tensors pack-quantized safetensors).</summary>
    public static string Weights => Path.Combine(Directory, "model.safetensors");

    /// <summary>What went in and came out: hashes, metrics, gate verdicts.</summary>
    public static string Manifest => Path.Combine(Directory, "manifest.json");
}
