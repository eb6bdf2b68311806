// Part of the wmq <-> MSBuild contract (see ExitCodes.cs). ERROR_CODES.md beside this file documents every code;
// a test checks that each constant is documented and that no other source file spells a code of its own.
namespace WmQuant.Contract;

/// <summary>
/// Every diagnostic code wmq and its build tasks emit: letters then digits, never starting with MSB, so MSBuild and
/// GitHub's problem matcher recognise them. A code never changes meaning once released.
/// </summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
static class DiagnosticCodes
{
    // 0xxx: the build-time libstdc++ compatibility step (an inline task that spells its two codes itself).

    /// <summary>The libstdc++ shim cannot be built: no C compiler.</summary>
    public const string ShimCompilerMissing = "WMQ0001";

    /// <summary>gcc failed to build the libstdc++ shim.</summary>
    public const string ShimBuildFailed = "WMQ0002";

    // 1xxx: recipes.

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

    // 1006-1010: the limits every input file is read within (recipes and every other text file wmq reads).

    /// <summary>A path names a directory, FIFO, device or socket where a regular file is needed.</summary>
    public const string NotRegularFile = "WMQ1006";

    /// <summary>A file is larger than its kind may be.</summary>
    public const string FileTooLarge = "WMQ1007";

    /// <summary>A text file is not UTF-8 (an invalid byte sequence) or holds a NUL byte (a binary file).</summary>
    public const string NotText = "WMQ1008";

    /// <summary>A file nests mappings or lists deeper than its kind may.</summary>
    public const string NestingTooDeep = "WMQ1009";

    /// <summary>A file holds more nodes than its kind may, each YAML alias counted as a copy of its anchor.</summary>
    public const string TooManyNodes = "WMQ1010";

    /// <summary>A key the schema does not know.</summary>
    public const string UnknownKey = "WMQ1101";

    /// <summary>A required key is missing.</summary>
    public const string MissingKey = "WMQ1102";

    /// <summary>A value has the wrong type.</summary>
    public const string WrongType = "WMQ1103";

    /// <summary>A number outside its allowed range.</summary>
    public const string OutOfRange = "WMQ1104";

    /// <summary>A value outside its allowed set (method, granularity, environment, planner...): nothing of that name exists.</summary>
    public const string NotAllowed = "WMQ1105";

    /// <summary>A string that does not have the required form (SemVer, device, name, glob).</summary>
    public const string BadFormat = "WMQ1106";

    /// <summary>A list that is empty where entries are needed, or that repeats an entry.</summary>
    public const string BadList = "WMQ1107";

    /// <summary>A weight-only method was asked to quantize activations.</summary>
    public const string WeightOnlyWithActivations = "WMQ1201";

    /// <summary>The group size is larger than the widest input it applies to.</summary>
    public const string GroupTooLarge = "WMQ1202";

    /// <summary>The group size does not divide an input width, leaving a partial last group (a warning).</summary>
    public const string PartialGroups = "WMQ1203";

    /// <summary>A gate needs exactly one of min, max or max_drop_vs_baseline.</summary>
    public const string GateThreshold = "WMQ1204";

    /// <summary>A gate threshold lies outside the range its metric can take.</summary>
    public const string GateThresholdRange = "WMQ1205";

    /// <summary>A module override key is neither a module group nor a glob on layer names.</summary>
    public const string UnknownModuleSelector = "WMQ1206";

    /// <summary>A setting that has no effect (a warning).</summary>
    public const string IneffectiveSetting = "WMQ1207";

    /// <summary>A planner's top_k exceeds its samples.</summary>
    public const string PlannerInconsistent = "WMQ1208";

    /// <summary>Calibration and evaluation use the same episode seeds (a warning).</summary>
    public const string SeedOverlap = "WMQ1209";

    /// <summary>model.artifact and model.checkpoint do not belong together (source hash, model config or normalization differ).</summary>
    public const string ModelInputsDisagree = "WMQ1210";

    /// <summary>A recipe's search section cannot run as written (no gates, one level, confirmation seeds that overlap others).</summary>
    public const string SearchInconsistent = "WMQ1211";

    /// <summary>A referenced file does not exist.</summary>
    public const string PathNotFound = "WMQ1301";

    /// <summary>A path leads outside the repository.</summary>
    public const string PathEscapesRepository = "WMQ1302";

    /// <summary>Recipes extend each other in a cycle.</summary>
    public const string ExtendsCycle = "WMQ1303";

    /// <summary>A path cannot be resolved: a NUL character, a symbolic-link loop, a name too long.</summary>
    public const string UnresolvablePath = "WMQ1304";

    /// <summary>Recipes extend each other more levels deep than allowed.</summary>
    public const string ExtendsTooDeep = "WMQ1305";

    /// <summary>A matrix key is not a recipe setting.</summary>
    public const string UnknownMatrixKey = "WMQ1401";

    /// <summary>A matrix exclude entry names a key or value that the matrix does not have.</summary>
    public const string BadMatrixExclude = "WMQ1402";

    /// <summary>The matrix expands to no recipe, or to too many.</summary>
    public const string MatrixSize = "WMQ1403";

    /// <summary>Two matrix combinations derive the same recipe name.</summary>
    public const string DuplicateRecipeName = "WMQ1404";

    // 2xxx: the command line.

    /// <summary>The command line cannot be parsed (unknown command or option, missing or malformed argument).</summary>
    public const string CommandLine = "WMQ2000";

    /// <summary>An option value is out of range or not one of the accepted names.</summary>
    public const string OptionValue = "WMQ2001";

    /// <summary>A required input is missing or unusable.</summary>
    public const string InputUnusable = "WMQ2002";

    /// <summary>Benchmark shape options are inconsistent.</summary>
    public const string BenchShape = "WMQ2004";

    /// <summary>A benchmark's checkpoint does not fit its model config.</summary>
    public const string BenchCheckpoint = "WMQ2005";

    /// <summary>wmq train: the model config cannot be parsed.</summary>
    public const string TrainConfig = "WMQ2101";

    /// <summary>wmq train: the dataset folder cannot be opened.</summary>
    public const string TrainDataset = "WMQ2102";

    /// <summary>wmq train: config, dataset and settings cannot train together.</summary>
    public const string TrainIncompatible = "WMQ2103";

    // 3xxx: models, artifacts and the run-time environment.

    /// <summary>normalization.json beside the model is missing or malformed.</summary>
    public const string NormalizationUnusable = "WMQ3001";

    /// <summary>The model checkpoint, artifact or file is missing or unreadable.</summary>
    public const string ModelUnreadable = "WMQ3002";

    /// <summary>The model config cannot be parsed.</summary>
    public const string ModelConfigUnparsable = "WMQ3003";

    /// <summary>The checkpoint holds NaN or infinite weights.</summary>
    public const string NonFiniteWeights = "WMQ3004";

    /// <summary>The quantization method refused the request for this model (its message says why); nothing was written.</summary>
    public const string QuantizationRefused = "WMQ3101";

    /// <summary>--artifact-version is not SemVer.</summary>
    public const string ArtifactVersion = "WMQ3102";

    /// <summary>The requested device cannot be used.</summary>
    public const string DeviceUnavailable = "WMQ3201";

    /// <summary>A stage failed at run time (I/O, device, cancelled); finished stages stay cached.</summary>
    public const string StageFailed = "WMQ3301";

    /// <summary>An internal error (a bug): the message says where; please report it.</summary>
    public const string InternalError = "WMQ3302";

    /// <summary>An output file or folder cannot be written (no permission, disk full, a file where a folder should be).</summary>
    public const string OutputUnwritable = "WMQ3303";

    /// <summary>
    /// libtorch could not allocate memory (CPU or GPU): the machine is too small for the work asked, not a bug. The
    /// message is the first line of libtorch's (e.g. "tried to allocate 33.6 GiB on cpu"), never its native stack trace.
    /// </summary>
    public const string OutOfMemory = "WMQ3304";

    /// <summary>An artifact folder does not match its manifest.</summary>
    public const string ArtifactMismatch = "WMQ3401";

    // 4xxx: gates.

    /// <summary>A gate failed.</summary>
    public const string GateFailed = "WMQ4001";

    /// <summary>A gate could not be judged (no baseline, unpaired seeds, metric not measured).</summary>
    public const string GateNotJudged = "WMQ4002";

    /// <summary>wmq tune: no candidate passed the gates within the budget, or none held up on the confirmation seeds.</summary>
    public const string NoCandidatePassed = "WMQ4003";

    // 5xxx: the MSBuild tasks.

    /// <summary>wmq was not found.</summary>
    public const string WmqNotFound = "WMQ5001";

    /// <summary>wmq failed without a line the task could map to an error.</summary>
    public const string WmqFailed = "WMQ5002";

    /// <summary>wmq's JSON output could not be read.</summary>
    public const string WmqOutputUnreadable = "WMQ5003";

    /// <summary>The task's standard output and error importance are the same, so the JSON cannot be told apart.</summary>
    public const string TaskMisconfigured = "WMQ5004";

    /// <summary>Nothing to pack: an artifact folder is missing or failed its gates.</summary>
    public const string NothingToPack = "WMQ5005";

    /// <summary>A recipe is listed more than once.</summary>
    public const string RecipeListedTwice = "WMQ5006";
}
