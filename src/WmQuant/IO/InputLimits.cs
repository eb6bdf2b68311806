using WmQuant.Contract;

namespace WmQuant.IO;

/// <summary>
/// One kind of input file and the bounds it is read within: how many bytes, how deeply nested, how many nodes
/// (YAML aliases counted as the copies they stand for). The bounds are far above anything the tool writes or a person
/// types, and far below what would take a CI agent seconds or hundreds of megabytes to parse (README: limits on
/// inputs). <see cref="Code"/> is the code of this kind's own problems: missing, unreadable, malformed.
/// </summary>
/// <param name="What">The file's name in messages ("recipe", "model config").</param>
/// <param name="MaxBytes">Largest file read.</param>
/// <param name="MaxDepth">Deepest nesting of mappings and lists (objects and arrays).</param>
/// <param name="MaxNodes">Most nodes (scalars, mappings, lists, keys; each alias counted as the size of its anchor).</param>
/// <param name="Code">The diagnostic code for a file of this kind that is missing, unreadable or malformed.</param>
public sealed record InputLimits(string What, long MaxBytes, int MaxDepth, long MaxNodes, string Code)
{
    /// <summary>1 MiB.</summary>
    public const long MiB = 1L << 20;

    /// <summary>
    /// A recipe file (and every base it extends): 1 MiB, 64 levels, 10,000 nodes. The largest recipes in the repository
    /// are under 4 KB, 6 levels and 200 nodes; a matrix over 16 settings of 16 values each is about 300 nodes.
    /// </summary>
    public static InputLimits Recipe { get; } = new("recipe", MiB, 64, 10_000, DiagnosticCodes.FileUnreadable);

    /// <summary>A model config (architecture sizes, about 40 nodes): 1 MiB, 64 levels, 10,000 nodes.</summary>
    public static InputLimits ModelConfig { get; } = new("model config", MiB, 64, 10_000, DiagnosticCodes.ModelConfigUnparsable);

    /// <summary>normalization.json (four short arrays): 1 MiB, 16 levels, 100,000 nodes.</summary>
    public static InputLimits Normalization { get; } = new("normalization.json", MiB, 16, 100_000, DiagnosticCodes.NormalizationUnusable);

    /// <summary>
    /// An evaluation record, a model's baseline.json or an artifact manifest read as a gate input: 32 MiB, 32 levels,
    /// 2,000,000 nodes. A 10,000-episode evaluation (the most a recipe may ask for) writes about 2 MB and 60,000 nodes.
    /// </summary>
    public static InputLimits Evaluation { get; } = new("evaluation file", 32 * MiB, 32, 2_000_000, DiagnosticCodes.InputUnusable);

    /// <summary>An artifact's manifest.json (evaluations, layers, file hashes): the same bounds as <see cref="Evaluation"/>.</summary>
    public static InputLimits Manifest { get; } = Evaluation with { What = "artifact manifest", Code = DiagnosticCodes.ModelUnreadable };

    /// <summary>A checkpoint (binary, memory-mapped, validated by its own reader): only the path and file-type rules apply.</summary>
    public static InputLimits Checkpoint { get; } = new("model checkpoint", long.MaxValue, 0, 0, DiagnosticCodes.ModelUnreadable);

    /// <summary>The same kind under another name, for messages ("base recipe").</summary>
    public InputLimits Named(string what) => this with { What = what };
}
