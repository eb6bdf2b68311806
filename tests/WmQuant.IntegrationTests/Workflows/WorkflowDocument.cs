using YamlDotNet.RepresentationModel;

namespace WmQuant.IntegrationTests.Workflows;

/// <summary>A GitHub Actions workflow file loaded with YamlDotNet, with the lookups the structure checks need.</summary>
internal sealed class WorkflowDocument
{
    private WorkflowDocument(string name, YamlMappingNode root)
    {
        Name = name;
        Root = root;
    }

    public string Name { get; }

    public YamlMappingNode Root { get; }

    public YamlMappingNode Jobs => Mapping(Root, "jobs");

    /// <summary>The trigger block; YAML 1.1 readers may see the key `on` as a boolean, YamlDotNet keeps the scalar.</summary>
    public YamlNode On => Root.Children[new YamlScalarNode("on")];

    public static WorkflowDocument Load(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        Assert.That(stream.Documents, Has.Count.EqualTo(1), path);
        return new WorkflowDocument(Path.GetFileName(path), (YamlMappingNode)stream.Documents[0].RootNode);
    }

    public YamlMappingNode Job(string id) => Mapping(Jobs, id);

    public IEnumerable<string> JobIds => Jobs.Children.Keys.Select(k => ((YamlScalarNode)k).Value!);

    public static YamlMappingNode Mapping(YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlMappingNode mapping
            ? mapping
            : throw new AssertionException($"'{key}' is missing or not a mapping");

    public static YamlMappingNode? OptionalMapping(YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node as YamlMappingNode : null;

    public static string? Scalar(YamlMappingNode parent, string key) =>
        parent.Children.TryGetValue(new YamlScalarNode(key), out var node) ? (node as YamlScalarNode)?.Value : null;

    public static bool HasKey(YamlMappingNode parent, string key) => parent.Children.ContainsKey(new YamlScalarNode(key));

    /// <summary>A scalar or a sequence of scalars as a list (runs-on, needs, branches).</summary>
    public static IReadOnlyList<string> List(YamlMappingNode parent, string key)
    {
        if (!parent.Children.TryGetValue(new YamlScalarNode(key), out var node))
        {
            return [];
        }

        return node switch
        {
            YamlScalarNode scalar => [scalar.Value!],
            YamlSequenceNode sequence => [.. sequence.Children.Select(c => ((YamlScalarNode)c).Value!)],
            _ => throw new AssertionException($"'{key}' is neither a scalar nor a list"),
        };
    }

    public static IReadOnlyList<YamlMappingNode> Steps(YamlMappingNode job) =>
        job.Children.TryGetValue(new YamlScalarNode("steps"), out var node) && node is YamlSequenceNode steps
            ? [.. steps.Children.Cast<YamlMappingNode>()]
            : [];

    /// <summary>Every `run:` script of a job, joined.</summary>
    public static string Scripts(YamlMappingNode job) => string.Join("\n", Steps(job).Select(s => Scalar(s, "run") ?? ""));
}
