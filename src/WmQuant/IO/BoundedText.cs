using System.Globalization;
using System.Text;
using System.Text.Json;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace WmQuant.IO;

/// <summary>
/// The one way wmq reads a text file it did not write in this run (recipes and their bases, model configs, JSON
/// sidecars, evaluation records, manifests): the path goes through <see cref="PathPolicy"/> (and the repository
/// boundary when there is one), only a regular file is opened, never more than <see cref="InputLimits.MaxBytes"/>
/// are read, the bytes must be text, and the parsers it hands out stop at the depth and node limits as they go,
/// before a tree exists. Every refusal is a <see cref="Diagnostic"/> with a code, the file and (for text) a line.
/// </summary>
public static class BoundedText
{
    /// <summary>
    /// Checks that <paramref name="path"/> may be read as <paramref name="kind"/>: resolvable, inside
    /// <paramref name="boundary"/> (when given), present (when <paramref name="mustExist"/>), a regular file, and not
    /// larger than the limit. Null when it may. The problem is reported at <paramref name="at"/> (the recipe line
    /// naming the file, whose text <paramref name="written"/> messages quote) or else at the file itself.
    /// </summary>
    public static Diagnostic? Check(
        string path, InputLimits kind, RepositoryBoundary? boundary = null, SourcePosition? at = null, string? written = null, bool mustExist = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(kind);
        var resolved = PathPolicy.Resolve(path, at is { } place ? Path.GetDirectoryName(place.File) : null);
        return Check(resolved, kind, boundary, at, written ?? path, mustExist).Problem;
    }

    /// <summary>Reads a whole file as <paramref name="kind"/> (see <see cref="Check(string, InputLimits, RepositoryBoundary?, SourcePosition?, string?, bool)"/>): its bytes, or the problem.</summary>
    public static (byte[]? Bytes, Diagnostic? Problem) ReadBytes(string path, InputLimits kind, RepositoryBoundary? boundary = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(kind);
        var resolved = PathPolicy.Resolve(path);
        var (real, problem) = Check(resolved, kind, boundary, null, path, mustExist: true);
        if (problem is not null)
        {
            return (null, problem);
        }

        string file = resolved.Full;
        try
        {
            using var stream = new FileStream(real!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
            long cap = kind.MaxBytes == long.MaxValue ? long.MaxValue : kind.MaxBytes + 1;
            var buffer = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, Math.Min(cap, int.MaxValue)) : 4096);
            var chunk = new byte[81920];
            int read;
            while (buffer.Length < cap && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, cap - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, read);
            }

            if (buffer.Length > kind.MaxBytes)
            {
                return (null, TooLarge(kind, Whole(file, kind), null, buffer.Length, grewWhileRead: true));
            }

            return (buffer.ToArray(), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, Diagnostic.At(Whole(file, kind), Severity.Error, kind.Code, $"{kind.What} cannot be read: {e.Message}"));
        }
    }

    /// <summary>Reads a whole file as text (UTF-8, or UTF-16 with its byte-order mark): the text without its BOM, or the problem.</summary>
    public static (string? Text, Diagnostic? Problem) ReadText(string path, InputLimits kind, RepositoryBoundary? boundary = null)
    {
        var (bytes, problem) = ReadBytes(path, kind, boundary);
        return bytes is null ? (null, problem) : Decode(bytes, Path.GetFullPath(path), kind);
    }

    /// <summary>Decodes file bytes strictly: a byte that is not UTF-8, or a NUL (a binary file), is refused at its line and column.</summary>
    public static (string? Text, Diagnostic? Problem) Decode(byte[] bytes, string file, InputLimits kind)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(kind);
        if (bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)))
        {
            var encoding = new UnicodeEncoding(bigEndian: bytes[0] == 0xFE, byteOrderMark: true, throwOnInvalidBytes: true);
            try
            {
                string text = encoding.GetString(bytes, 2, bytes.Length - 2);
                int nul = text.IndexOf('\0', StringComparison.Ordinal);
                return nul < 0 ? (text, null) : (null, NotText(kind, PositionOf(text, file, nul), BinaryReason));
            }
            catch (DecoderFallbackException)
            {
                return (null, NotText(kind, new SourcePosition(file, 1, 1), "it starts with a UTF-16 byte-order mark but is not valid UTF-16"));
            }
        }

        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        var span = bytes.AsSpan(start);
        if (TextProblem(span) is { } bad)
        {
            return (null, NotText(kind, PositionOf(bytes, file, start + bad.Index), bad.Reason));
        }

        return (Encoding.UTF8.GetString(span), null);
    }

    /// <summary>A YAML parser over <paramref name="text"/> that throws <see cref="InputLimitException"/> as soon as nesting or node count passes the limits.</summary>
    public static IParser Yaml(string text, string file, InputLimits kind) => new LimitedYamlParser(new Parser(new StringReader(text)), file, kind);

    /// <summary>
    /// Reads a JSON file: the bytes (UTF-8, without BOM) after a streaming pass that stops at the depth and node limits,
    /// at a duplicate property name and at malformed JSON, each at its line and column. Deserialize them with
    /// <see cref="Deserialize{T}"/> or <see cref="JsonDocument"/>.
    /// </summary>
    public static (byte[]? Utf8, Diagnostic? Problem) ReadJson(string path, InputLimits kind, RepositoryBoundary? boundary = null)
    {
        var (bytes, problem) = ReadBytes(path, kind, boundary);
        if (bytes is null)
        {
            return (null, problem);
        }

        string file = Path.GetFullPath(path);
        var (text, notText) = Decode(bytes, file, kind);
        if (text is null)
        {
            return (null, notText);
        }

        byte[] utf8 = bytes.Length >= 2 && bytes[0] is 0xFF or 0xFE ? Encoding.UTF8.GetBytes(text)
            : bytes.Length >= 3 && bytes[0] == 0xEF ? bytes[3..] : bytes;
        return ScanJson(utf8, file, kind) is { } scanProblem ? (null, scanProblem) : (utf8, null);
    }

    /// <summary>Deserializes checked JSON bytes; a value that does not fit <typeparamref name="T"/> is a problem at its position, not an exception.</summary>
    public static (T? Value, Diagnostic? Problem) Deserialize<T>(byte[] utf8, string file, InputLimits kind, JsonSerializerOptions options)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(kind);
        try
        {
            var value = JsonSerializer.Deserialize<T>(utf8, options);
            return value is null
                ? (null, Diagnostic.At(new SourcePosition(file, 1, 1), Severity.Error, kind.Code, $"the {kind.What} is empty (null)"))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, JsonProblem(e, file, kind));
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            return (null, Diagnostic.At(new SourcePosition(file, 1, 1), Severity.Error, kind.Code, $"the {kind.What} cannot be read: {e.Message}"));
        }
    }

    /// <summary>Reads and deserializes a JSON file in one step.</summary>
    public static (T? Value, Diagnostic? Problem) ReadJson<T>(string path, InputLimits kind, JsonSerializerOptions options, RepositoryBoundary? boundary = null)
        where T : class
    {
        var (utf8, problem) = ReadJson(path, kind, boundary);
        return utf8 is null ? (null, problem) : Deserialize<T>(utf8, Path.GetFullPath(path), kind, options);
    }

    /// <summary>A JSON exception as a problem at its line and column, the position taken out of the message (the diagnostic carries it).</summary>
    public static Diagnostic JsonProblem(JsonException exception, string file, InputLimits kind)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(kind);
        string message = exception.Message;
        int cut = message.IndexOf(" Path: ", StringComparison.Ordinal) is var p and >= 0 ? p : message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0)
        {
            message = message[..cut];
        }

        var at = new SourcePosition(file, (int)Math.Min((exception.LineNumber ?? 0) + 1, int.MaxValue), (int)Math.Min((exception.BytePositionInLine ?? 0) + 1, int.MaxValue));
        return Diagnostic.At(at, Severity.Error, kind.Code, $"the {kind.What} is not valid: {message.TrimEnd('.')}{PathSuffix(exception.Path)}");
    }

    private static string PathSuffix(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "" : $" (at {path})";

    private static (string? Real, Diagnostic? Problem) Check(
        ResolvedPath resolved, InputLimits kind, RepositoryBoundary? boundary, SourcePosition? at, string written, bool mustExist)
    {
        string subject = at is null ? kind.What : $"{kind.What} '{written}'";
        var where = at ?? Whole(resolved.Full, kind);
        if (resolved.Real is not { } real)
        {
            return (null, Diagnostic.At(where, Severity.Error, DiagnosticCodes.UnresolvablePath, $"{subject} cannot be used: {resolved.Problem}"));
        }

        if (boundary?.Escape(resolved, kind.What, at is null ? null : written) is { } escape)
        {
            return (null, Diagnostic.At(where, Severity.Error, DiagnosticCodes.PathEscapesRepository, escape));
        }

        var fileKind = PathPolicy.KindOf(real);
        if (fileKind == FileKind.Missing)
        {
            if (!mustExist)
            {
                return (real, null);
            }

            string shown = at is null ? "" : $" (resolved to {resolved.Full})";
            return (null, Diagnostic.At(where, Severity.Error, at is null ? kind.Code : DiagnosticCodes.PathNotFound, $"{subject} not found{shown}"));
        }

        if (fileKind != FileKind.Regular)
        {
            string then = fileKind == FileKind.Directory ? "name the file inside it" : "wmq reads only regular files";
            return (null, Diagnostic.At(where, Severity.Error, DiagnosticCodes.NotRegularFile,
                $"{subject} is {PathPolicy.Describe(fileKind)}, not a regular file; {then}"));
        }

        if (kind.MaxBytes != long.MaxValue)
        {
            long length;
            try
            {
                length = new FileInfo(real).Length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, Diagnostic.At(where, Severity.Error, kind.Code, $"{subject} cannot be read: {e.Message}"));
            }

            if (length > kind.MaxBytes)
            {
                return (null, TooLarge(kind, where, at is null ? null : written, length, grewWhileRead: false));
            }
        }

        return (real, null);
    }

    private static Diagnostic TooLarge(InputLimits kind, SourcePosition where, string? written, long length, bool grewWhileRead)
    {
        string subject = written is null ? kind.What : $"{kind.What} '{written}'";
        string size = grewWhileRead ? $"more than {Bytes(kind.MaxBytes)}" : Bytes(length);
        return Diagnostic.At(where, Severity.Error, DiagnosticCodes.FileTooLarge,
            $"{subject} is {size}; the limit for this kind of file is {Bytes(kind.MaxBytes)} (README: limits on inputs)");
    }

    private static string Bytes(long count) => count % InputLimits.MiB == 0 && count > 0
        ? string.Create(CultureInfo.InvariantCulture, $"{count / InputLimits.MiB} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{count:N0} bytes");

    private static Diagnostic NotText(InputLimits kind, SourcePosition at, string reason) =>
        Diagnostic.At(at, Severity.Error, DiagnosticCodes.NotText, reason == BinaryReason
            ? $"the {kind.What} is not text: it holds a NUL byte here (a binary file?)"
            : $"the {kind.What} is not UTF-8 text: {reason}; save it as UTF-8");

    private const string BinaryReason = "a NUL byte: this is a binary file";

    /// <summary>A problem with a file as a whole: line 1 of a text file (editors open it there), no line for a binary one.</summary>
    private static SourcePosition Whole(string file, InputLimits kind) => kind.MaxDepth > 0 ? new(file, 1, 1) : SourcePosition.InFile(file);

    /// <summary>The first byte that makes this not UTF-8 text (invalid sequence or NUL), or null.</summary>
    private static (int Index, string Reason)? TextProblem(ReadOnlySpan<byte> bytes)
    {
        int nul = bytes.IndexOf((byte)0);
        int valid = bytes.Length;
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            valid = 0;
            while (valid < bytes.Length && System.Text.Rune.DecodeFromUtf8(bytes[valid..], out _, out int consumed) == System.Buffers.OperationStatus.Done)
            {
                valid += consumed;
            }
        }

        if (nul >= 0 && nul <= valid)
        {
            return (nul, BinaryReason);
        }

        return valid < bytes.Length
            ? (valid, string.Create(CultureInfo.InvariantCulture, $"byte 0x{bytes[valid]:X2} is not valid UTF-8"))
            : null;
    }

    /// <summary>Line and column (1-based, in characters) of a byte offset in UTF-8 bytes.</summary>
    private static SourcePosition PositionOf(byte[] bytes, string file, int index)
    {
        int line = 1;
        int column = 1;
        for (int i = 0; i < index && i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                column = 1;
            }
            else if ((bytes[i] & 0xC0) != 0x80)
            {
                column++;
            }
        }

        return new SourcePosition(file, line, column);
    }

    private static SourcePosition PositionOf(string text, string file, int index)
    {
        int line = 1 + text.AsSpan(0, index).Count('\n');
        int lastNewline = text.LastIndexOf('\n', Math.Max(index - 1, 0));
        return new SourcePosition(file, line, index - lastNewline);
    }

    /// <summary>One streaming pass: depth, node count and duplicate names, before any document or object exists.</summary>
    private static Diagnostic? ScanJson(byte[] utf8, string file, InputLimits kind)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = kind.MaxDepth + 1, CommentHandling = JsonCommentHandling.Disallow });
        var names = new Stack<HashSet<string>?>();
        long nodes = 0;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        if (reader.CurrentDepth >= kind.MaxDepth)
                        {
                            return Limit(DiagnosticCodes.NestingTooDeep, utf8, file, reader.TokenStartIndex,
                                $"the {kind.What} nests deeper than {kind.MaxDepth} levels");
                        }

                        names.Push(reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        names.Pop();
                        continue;
                    case JsonTokenType.PropertyName:
                        string name = reader.GetString()!;
                        if (names.Count > 0 && names.Peek() is { } seen && !seen.Add(name))
                        {
                            return Diagnostic.At(PositionOf(utf8, file, (int)reader.TokenStartIndex), Severity.Error, kind.Code,
                                $"the {kind.What} repeats the key '{Shorten(name)}' in one object");
                        }

                        break;
                }

                if (++nodes > kind.MaxNodes)
                {
                    return Limit(DiagnosticCodes.TooManyNodes, utf8, file, reader.TokenStartIndex,
                        string.Create(CultureInfo.InvariantCulture, $"the {kind.What} holds more than {kind.MaxNodes:N0} values"));
                }
            }
        }
        catch (JsonException e)
        {
            return JsonProblem(e, file, kind);
        }

        return nodes == 0 ? Diagnostic.At(Whole(file, kind), Severity.Error, kind.Code, $"the {kind.What} is empty") : null;
    }

    private static Diagnostic Limit(string code, byte[] utf8, string file, long index, string message) =>
        Diagnostic.At(PositionOf(utf8, file, (int)index), Severity.Error, code, message);

    /// <summary>Long text cut for messages, so a hostile value cannot make a message megabytes long.</summary>
    public static string Shorten(string text, int max = 80)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max), string.Create(CultureInfo.InvariantCulture, $"… ({text.Length:N0} characters)"));
    }

    /// <summary>
    /// Wraps YamlDotNet's parser and keeps count as the events stream by: open mappings and lists (depth), and nodes
    /// with each alias counted as the size of the node it repeats, so an alias bomb or a deep nest is stopped at the
    /// event that crosses the line, before anything is built from it (and before YamlDotNet's own cost for deep flow
    /// nesting, which grows with the square of the depth, adds up).
    /// </summary>
    private sealed class LimitedYamlParser(IParser inner, string file, InputLimits kind) : IParser
    {
        private readonly Stack<Frame> open = new();
        private readonly Dictionary<string, long> anchorSizes = new(StringComparer.Ordinal);
        private long nodes;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                return false;
            }

            switch (inner.Current)
            {
                case Scalar scalar:
                    Count(1, scalar.Start);
                    if (!scalar.Anchor.IsEmpty)
                    {
                        anchorSizes[scalar.Anchor.Value] = 1;
                    }

                    break;
                case AnchorAlias alias:
                    Count(anchorSizes.GetValueOrDefault(alias.Value.Value, 1), alias.Start);
                    break;
                case NodeEvent start and (SequenceStart or MappingStart):
                    if (open.Count >= kind.MaxDepth)
                    {
                        throw new InputLimitException(start.Start, start.End, Diagnostic.At(At(start.Start), Severity.Error, DiagnosticCodes.NestingTooDeep,
                            $"the {kind.What} nests deeper than {kind.MaxDepth} levels"));
                    }

                    Count(1, start.Start);
                    open.Push(new Frame(start.Anchor.IsEmpty ? null : start.Anchor.Value));
                    break;
                case SequenceEnd or MappingEnd when open.Count > 0:
                    var done = open.Pop();
                    if (done.Anchor is { } anchor)
                    {
                        anchorSizes[anchor] = done.Size;
                    }

                    if (open.Count > 0)
                    {
                        open.Peek().Size += done.Size;
                    }

                    break;
            }

            return true;
        }

        private void Count(long size, Mark at)
        {
            nodes += size;
            if (open.Count > 0)
            {
                open.Peek().Size += size;
            }

            if (nodes > kind.MaxNodes)
            {
                throw new InputLimitException(at, at, Diagnostic.At(At(at), Severity.Error, DiagnosticCodes.TooManyNodes,
                    string.Create(CultureInfo.InvariantCulture,
                        $"the {kind.What} holds more than {kind.MaxNodes:N0} nodes, counting each alias as a copy of its anchor (an alias bomb?)")));
            }
        }

        private SourcePosition At(Mark mark) =>
            new(file, (int)Math.Clamp(mark.Line, 1, int.MaxValue), (int)Math.Clamp(mark.Column, 1, int.MaxValue));

        private sealed class Frame(string? anchor)
        {
            public string? Anchor { get; } = anchor;

            public long Size { get; set; } = 1;
        }
    }
}

/// <summary>
/// A limit of <see cref="BoundedText"/> was crossed while YAML was being parsed. It is a <see cref="YamlException"/>
/// so YamlDotNet's deserializer lets it through unchanged; <see cref="Problem"/> is what to report.
/// </summary>
internal sealed class InputLimitException : YamlException
{
    /// <summary>Creates the exception for a problem at a place in the text.</summary>
    public InputLimitException(Mark start, Mark end, Diagnostic problem)
        : base(start, end, problem?.Message ?? string.Empty) => Problem = problem!;

    /// <summary>The problem, with its code and position.</summary>
    public Diagnostic Problem { get; }
}
