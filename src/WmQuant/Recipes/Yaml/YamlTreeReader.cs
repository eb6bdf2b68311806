using System.Text.RegularExpressions;
using WmQuant.Contract;
using WmQuant.Diagnostics;
using WmQuant.IO;
using YamlDotNet.Core.Events;
using YamlDotNet.Core;

namespace WmQuant.Recipes.Yaml;

/// <summary>
/// Reads one YAML document into a <see cref="YamlTreeNode"/> tree from YamlDotNet's parser events, keeping every
/// node's start mark. Duplicate keys are reported with both positions (the first value is kept) instead of throwing,
/// and malformed text becomes one problem at the parser's position. Files are read through <see cref="BoundedText"/>:
/// regular files of bounded size only, parsed with depth and node limits enforced event by event.
/// </summary>
public static partial class YamlTreeReader
{
    /// <summary>
    /// Reads a recipe file; a file that is missing, not a regular file, too large, not text or outside
    /// <paramref name="boundary"/> (when given) is a problem, not an exception.
    /// </summary>
    public static YamlTreeNode? ReadFile(string path, ICollection<Diagnostic> problems, RepositoryBoundary? boundary = null, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(problems);
        limits ??= InputLimits.Recipe;
        var (text, problem) = BoundedText.ReadText(path, limits, boundary);
        if (text is null)
        {
            problems.Add(problem!);
            return null;
        }

        return Read(text, Path.GetFullPath(path), problems, limits);
    }

    /// <summary>Reads YAML text that came from <paramref name="file"/> (used for positions only).</summary>
    public static YamlTreeNode? Read(string text, string file, ICollection<Diagnostic> problems, InputLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var builder = new TreeBuilder(file, problems);
        try
        {
            var parser = BoundedText.Yaml(text, file, limits ?? InputLimits.Recipe);
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out var end))
            {
                problems.Add(Diagnostic.At(builder.At(end.Start), Severity.Error, DiagnosticCodes.BadDocument,
                    "the recipe is empty; expected a mapping of settings"));
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = builder.ReadNode(parser);
            parser.Consume<DocumentEnd>();
            if (parser.Current is DocumentStart second)
            {
                problems.Add(Diagnostic.At(builder.At(second.Start), Severity.Error, DiagnosticCodes.BadDocument,
                    "a recipe is one YAML document; remove the second document"));
                return null;
            }

            return root;
        }
        catch (InputLimitException limit)
        {
            problems.Add(limit.Problem);
            return null;
        }
        catch (YamlException) when (FirstTabIndentation(text) is { } tab)
        {
            // YamlDotNet places tab errors at the enclosing mapping; the tab itself is what to fix.
            problems.Add(Diagnostic.At(new SourcePosition(file, tab.Line, tab.Column), Severity.Error, DiagnosticCodes.MalformedYaml,
                "malformed YAML: a tab indents this line; YAML indentation must use spaces"));
            return null;
        }
        catch (YamlException ex)
        {
            // Start is where the construct being scanned began; End is where the scanner found the fault.
            problems.Add(Diagnostic.At(builder.At(ex.End.Line > 0 ? ex.End : ex.Start), Severity.Error, DiagnosticCodes.MalformedYaml,
                "malformed YAML: " + CleanMessage(ex.Message)));
            return null;
        }
        catch (ArgumentException ex)
        {
            // YamlDotNet 18.1 rejects some tags (e.g. "!x:" as a global tag) with an ArgumentException and no position.
            string reason = ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal);
            problems.Add(Diagnostic.At(builder.At(builder.LastEnd), Severity.Error, DiagnosticCodes.MalformedYaml,
                $"malformed YAML after this point: {reason}"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet 18.1's scanner fails this way on some truncated flow collections; the text is still the user's to fix.
            var message = builder.OpenFlow is { } open
                ? ($"malformed YAML: the '{open.Bracket}' opened here is never closed", open.Start)
                : ("malformed YAML: the text after this point could not be parsed", builder.LastEnd);
            problems.Add(Diagnostic.At(builder.At(message.Item2), Severity.Error, DiagnosticCodes.MalformedYaml, message.Item1));
            return null;
        }
    }

    private static (int Line, int Column)? FirstTabIndentation(string text)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int indent = 0;
            while (indent < line.Length && line[indent] is ' ' or '\t')
            {
                if (line[indent] == '\t' && indent + 1 < line.Length && line.AsSpan(indent).Trim().Length > 0 && line.TrimStart()[0] != '#')
                {
                    return (i + 1, indent + 1);
                }

                indent++;
            }
        }

        return null;
    }

    /// <summary>YamlDotNet prefixes messages with "(Line: …) - (Line: …): "; the problem carries the position already.</summary>
    private static string CleanMessage(string message)
    {
        string cleaned = PositionPrefix().Replace(message, string.Empty).Trim();
        return cleaned.Length == 0 ? "the text is not valid YAML" : cleaned;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex PositionPrefix();

    private sealed class TreeBuilder(string file, ICollection<Diagnostic> problems)
    {
        private readonly Dictionary<string, YamlTreeNode> anchors = new(StringComparer.Ordinal);

        public SourcePosition At(Mark mark) =>
            new(file, (int)Math.Clamp(mark.Line, 1, int.MaxValue), (int)Math.Clamp(mark.Column, 1, int.MaxValue));

        /// <summary>The end of the last node read, for errors the parser reports without a position.</summary>
        public Mark LastEnd { get; private set; } = Mark.Empty;

        private readonly Stack<(char Bracket, Mark Start)> openFlow = new();

        /// <summary>The innermost flow collection ({ } or [ ]) not yet closed, for reporting truncated text at its opening bracket.</summary>
        public (char Bracket, Mark Start)? OpenFlow => openFlow.Count > 0 ? openFlow.Peek() : null;

        public YamlTreeNode ReadNode(IParser parser)
        {
            if (parser.Current is { } current)
            {
                LastEnd = current.End;
            }

            if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                if (anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    return target;
                }

                var position = At(alias.Start);
                problems.Add(Diagnostic.At(position, Severity.Error, DiagnosticCodes.UnknownAnchor,
                    $"alias '*{alias.Value.Value}' refers to no anchor defined before it"));
                return new YamlTreeScalar(string.Empty, isPlain: true, position);
            }

            YamlTreeNode node;
            AnchorName anchor;
            if (parser.Current is NodeEvent { Tag.IsEmpty: false } tagged)
            {
                // Tags ask a loader to build objects (!!python/object/apply:os.system); a recipe is plain data and needs none.
                problems.Add(Diagnostic.At(At(tagged.Start), Severity.Error, DiagnosticCodes.MalformedYaml,
                    $"YAML tag '{BoundedText.Shorten(tagged.Tag.Value.Replace("tag:yaml.org,2002:", "!!", StringComparison.Ordinal))}' is not allowed: a recipe is plain data (mappings, lists, scalars); remove the tag"));
            }

            if (parser.TryConsume<Scalar>(out var scalar))
            {
                anchor = scalar.Anchor;
                node = new YamlTreeScalar(scalar.Value, scalar.Style == ScalarStyle.Plain, At(scalar.Start));
            }
            else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
            {
                anchor = sequenceStart.Anchor;
                var items = new List<YamlTreeNode>();
                bool flow = sequenceStart.Style == SequenceStyle.Flow;
                if (flow)
                {
                    openFlow.Push(('[', sequenceStart.Start));
                }

                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(parser));
                }

                if (flow)
                {
                    openFlow.Pop();
                }

                node = new YamlTreeSequence(items, At(sequenceStart.Start));
            }
            else
            {
                var mappingStart = parser.Consume<MappingStart>();
                anchor = mappingStart.Anchor;
                bool flow = mappingStart.Style == MappingStyle.Flow;
                if (flow)
                {
                    openFlow.Push(('{', mappingStart.Start));
                }

                node = ReadMapping(parser, At(mappingStart.Start));
                if (flow)
                {
                    openFlow.Pop();
                }
            }

            if (!anchor.IsEmpty)
            {
                anchors[anchor.Value] = node;
            }

            return node;
        }

        private YamlTreeMapping ReadMapping(IParser parser, SourcePosition position)
        {
            var entries = new List<YamlTreeEntry>();
            var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyNode = ReadNode(parser);
                var value = ReadNode(parser);
                if (keyNode is not YamlTreeScalar key)
                {
                    problems.Add(Diagnostic.At(keyNode.Position, Severity.Error, DiagnosticCodes.WrongType,
                        $"a mapping key must be a plain name, got {keyNode.KindDescription}"));
                    continue;
                }

                if (seen.TryGetValue(key.Value, out var first))
                {
                    problems.Add(Diagnostic.At(key.Position, Severity.Error, DiagnosticCodes.DuplicateKey,
                        $"duplicate key '{key.Value}'; it was first set at {first.Format(Path.GetDirectoryName(file))}"));
                    continue;
                }

                seen.Add(key.Value, key.Position);
                entries.Add(new YamlTreeEntry(key.Value, key.Position, value));
            }

            return new YamlTreeMapping(entries, position);
        }
    }
}
