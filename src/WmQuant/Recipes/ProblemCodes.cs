namespace WmQuant.Recipes;

/// <summary>The stable recipe problem codes; ERROR_CODES.md explains each one. Codes never change meaning once released.</summary>
public static class ProblemCodes
{
    /// <summary>The recipe file could not be read.</summary>
    public const string FileUnreadable = "WMQ1001";

    /// <summary>The text is not well-formed YAML.</summary>
    public const string MalformedYaml = "WMQ1002";

    /// <summary>A mapping repeats a key.</summary>
    public const string DuplicateKey = "WMQ1003";

    /// <summary>The document is empty, has several documents, or its root is not a mapping.</summary>
    public const string BadDocument = "WMQ1004";

    /// <summary>An alias refers to an anchor that was never defined.</summary>
    public const string UnknownAnchor = "WMQ1005";

    /// <summary>A key the schema does not know.</summary>
    public const string UnknownKey = "WMQ1101";

    /// <summary>A required key is missing.</summary>
    public const string MissingKey = "WMQ1102";

    /// <summary>A value has the wrong type (a string where a number belongs, a list where a mapping belongs...).</summary>
    public const string WrongType = "WMQ1103";

    /// <summary>A number outside its allowed range.</summary>
    public const string OutOfRange = "WMQ1104";

    /// <summary>A value outside its allowed set (method, granularity, environment...).</summary>
    public const string NotAllowed = "WMQ1105";

    /// <summary>A string that does not have the required form (SemVer, device, name, glob).</summary>
    public const string BadFormat = "WMQ1106";

    /// <summary>A list that is empty where entries are needed, or that repeats an entry.</summary>
    public const string BadList = "WMQ1107";

    /// <summary>A weight-only method (awq, gptq) was asked to quantize activations.</summary>
    public const string WeightOnlyWithActivations = "WMQ1201";

    /// <summary>The group size is larger than the widest quantized input.</summary>
    public const string GroupTooLarge = "WMQ1202";

    /// <summary>The group size does not divide an input width, leaving a partial last group (a warning).</summary>
    public const string PartialGroups = "WMQ1203";

    /// <summary>A gate needs exactly one of min, max or max_drop_vs_baseline.</summary>
    public const string GateThreshold = "WMQ1204";

    /// <summary>A gate threshold lies outside the range its metric can take.</summary>
    public const string GateThresholdRange = "WMQ1205";

    /// <summary>A module override key is neither a module group nor a glob on layer names.</summary>
    public const string UnknownModuleSelector = "WMQ1206";

    /// <summary>A setting that has no effect (group_size with per-channel weights...); a warning.</summary>
    public const string IneffectiveSetting = "WMQ1207";

    /// <summary>A planner's top_k exceeds its samples.</summary>
    public const string PlannerInconsistent = "WMQ1208";

    /// <summary>Calibration and evaluation use the same episode seeds, so calibration sees the test set (a warning).</summary>
    public const string SeedOverlap = "WMQ1209";

    /// <summary>A referenced file does not exist.</summary>
    public const string PathNotFound = "WMQ1301";

    /// <summary>A path leads outside the repository.</summary>
    public const string PathEscapesRepository = "WMQ1302";

    /// <summary>Recipes extend each other in a cycle.</summary>
    public const string ExtendsCycle = "WMQ1303";

    /// <summary>A matrix key is not a recipe setting.</summary>
    public const string UnknownMatrixKey = "WMQ1401";

    /// <summary>A matrix exclude entry names a key or value that the matrix does not have.</summary>
    public const string BadMatrixExclude = "WMQ1402";

    /// <summary>The matrix expands to no recipe, or to too many.</summary>
    public const string MatrixSize = "WMQ1403";

    /// <summary>Two matrix combinations derive the same recipe name.</summary>
    public const string DuplicateRecipeName = "WMQ1404";
}
