// Part of the wmq <-> MSBuild contract (see ExitCodes.cs): the objects `wmq run --json` and `wmq validate --json`
// print on standard output, written by the engine and read by the tasks with the same types and options.
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace WmQuant.Contract;

/// <summary>The serializer options of every contract object: snake_case keys, enums by their declared names.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
static class WmqJson
{
    /// <summary>Indented snake_case JSON; enums as the names their members declare.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        AllowTrailingCommas = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The object as contract JSON.</summary>
    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>
    /// Reads the first JSON object in <paramref name="text"/> (anything printed before its opening brace is ignored);
    /// malformed output becomes a message, never an exception, so the build can say what went wrong.
    /// </summary>
    public static T? TryRead<T>(string text, out string? problem)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        int start = text.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            problem = "wmq printed no JSON object on standard output";
            return null;
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(text.AsSpan(start), Options);
            if (value is null)
            {
                problem = "wmq printed a null JSON value";
            }

            return value;
        }
        catch (JsonException e)
        {
            problem = "wmq's JSON output could not be read: " + e.Message;
            return null;
        }
    }
}

/// <summary>One diagnostic as data: what a canonical line says, taken apart.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
sealed class DiagnosticRecord
{
    /// <summary>Error or warning.</summary>
    public Severity Severity { get; init; }

    /// <summary>The code (see <see cref="DiagnosticCodes"/>).</summary>
    public string Code { get; init; } = "";

    /// <summary>The file it is about (relative to wmq's working directory where it lies under it), or null.</summary>
    public string? File { get; init; }

    /// <summary>1-based line, 0 when the diagnostic has no position in the file.</summary>
    public int Line { get; init; }

    /// <summary>1-based column, 0 when unknown.</summary>
    public int Column { get; init; }

    /// <summary>What is wrong and how to fix it.</summary>
    public string Message { get; init; } = "";
}

/// <summary>What `wmq run --json` (and sweep, quantize) prints: the only channel through which the tasks learn which artifacts were written.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
sealed class RunResult
{
    /// <summary>The worst status of the recipes run (or of the run itself when it stopped before any).</summary>
    public RunStatus Status { get; init; }

    /// <summary>Problems that stopped the run before any recipe finished.</summary>
    public IReadOnlyList<DiagnosticRecord> Diagnostics { get; init; } = [];

    /// <summary>One entry per recipe that ran (a matrix recipe gives several).</summary>
    public IReadOnlyList<RecipeRunResult> Recipes { get; init; } = [];
}

/// <summary>The outcome of one resolved recipe.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
sealed class RecipeRunResult
{
    /// <summary>Resolved recipe name.</summary>
    public string Name { get; init; } = "";

    /// <summary>How it ended.</summary>
    public RunStatus Status { get; init; }

    /// <summary>The artifact folder written, if any.</summary>
    public string? ArtifactDirectory { get; init; }

    /// <summary>Its manifest.json, if any.</summary>
    public string? Manifest { get; init; }

    /// <summary>This recipe's diagnostics (failed gates, refused quantization).</summary>
    public IReadOnlyList<DiagnosticRecord> Diagnostics { get; init; } = [];

    /// <summary>Stages answered from wmq's stage cache.</summary>
    public IReadOnlyList<string> CacheHits { get; init; } = [];

    /// <summary>Gate verdicts (empty when nothing was written).</summary>
    public IReadOnlyList<GateResult> Gates { get; init; } = [];
}

/// <summary>One gate's verdict, as manifests record it and `wmq run --json` and `wmq gate --json` print it.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
sealed record GateResult
{
    /// <summary>Metric judged, in the recipe's spelling (success_rate).</summary>
    public string Metric { get; init; } = "";

    /// <summary>min, max or max_drop_vs_baseline.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Measured value (for a regression gate: the observed drop), when there was one.</summary>
    public double? Value { get; init; }

    /// <summary>The bound the decision used, when there was one.</summary>
    public double? Bound { get; init; }

    /// <summary>The recipe's threshold.</summary>
    public double Threshold { get; init; }

    /// <summary>Confidence of the bound.</summary>
    public double Confidence { get; init; }

    /// <summary>passed, failed, error (could not be judged) or skipped (nothing evaluated).</summary>
    public string Verdict { get; init; } = "";

    /// <summary>What was compared, in one line.</summary>
    public string Message { get; init; } = "";

    /// <summary>Where the gate is written, file(line,col), the file relative to the repository root.</summary>
    public string Location { get; init; } = "";
}

/// <summary>What `wmq validate --json` prints.</summary>
#if WMQ_CONTRACT_PUBLIC
public
#else
internal
#endif
sealed class ValidationResult
{
    /// <summary>The recipe, absolute.</summary>
    public string File { get; init; } = "";

    /// <summary>True when no diagnostic is an error.</summary>
    public bool Valid { get; init; }

    /// <summary>Number of errors.</summary>
    public int Errors { get; init; }

    /// <summary>Number of warnings.</summary>
    public int Warnings { get; init; }

    /// <summary>Every problem, sorted by file, line and column.</summary>
    public IReadOnlyList<DiagnosticRecord> Diagnostics { get; init; } = [];

    /// <summary>The recipe and every base recipe it extends, absolute.</summary>
    public IReadOnlyList<string> SourceFiles { get; init; } = [];

    /// <summary>
    /// Every file the recipes' results depend on, absolute, the recipe first: its bases, each model's checkpoint,
    /// config and normalization statistics, and the manifests gates compare with.
    /// </summary>
    public IReadOnlyList<string> InputFiles { get; init; } = [];

    /// <summary>The resolved recipes (one per matrix combination), in recipe spelling with every default filled.</summary>
    public IReadOnlyList<JsonObject> Recipes { get; init; } = [];
}
