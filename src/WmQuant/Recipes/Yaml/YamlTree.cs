using WmQuant.Diagnostics;
using WmQuant.IO;

namespace WmQuant.Recipes.Yaml;

/// <summary>A YAML node that remembers where it was written, so every problem can point at its source.</summary>
public abstract class YamlTreeNode
{
    /// <summary>Creates a node at a position.</summary>
    protected YamlTreeNode(SourcePosition position) => Position = position;

    /// <summary>Where the node starts (for a mapping entry's value: the value, not the key).</summary>
    public SourcePosition Position { get; }

    /// <summary>A short description of the node's kind, for "expected X, got Y" messages.</summary>
    public abstract string KindDescription { get; }

    /// <summary>
    /// Nodes in this subtree counting a node reached twice (through an alias) twice: the work any walk over it does.
    /// Known at construction, so a composed or expanded recipe is measured without walking it.
    /// </summary>
    public abstract long Size { get; }
}

/// <summary>A scalar; <see cref="IsPlain"/> distinguishes <c>4</c> from <c>"4"</c>, which YAML treats as a string.</summary>
public sealed class YamlTreeScalar : YamlTreeNode
{
    /// <summary>Creates a scalar.</summary>
    public YamlTreeScalar(string value, bool isPlain, SourcePosition position)
        : base(position)
    {
        Value = value;
        IsPlain = isPlain;
    }

    /// <summary>The text of the scalar, without quotes.</summary>
    public string Value { get; }

    /// <summary>True for unquoted scalars, the only ones that may be numbers, booleans or null.</summary>
    public bool IsPlain { get; }

    /// <summary>True for an unquoted empty value, <c>~</c> or <c>null</c>.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    /// <inheritdoc />
    public override string KindDescription => IsNull ? "null" : $"'{BoundedText.Shorten(Value)}'";

    /// <inheritdoc />
    public override long Size => 1;
}

/// <summary>A sequence of nodes.</summary>
public sealed class YamlTreeSequence : YamlTreeNode
{
    /// <summary>Creates a sequence.</summary>
    public YamlTreeSequence(IReadOnlyList<YamlTreeNode> items, SourcePosition position)
        : base(position)
    {
        Items = items;
        Size = 1 + items.Sum(i => i.Size);
    }

    /// <summary>The entries, in order.</summary>
    public IReadOnlyList<YamlTreeNode> Items { get; }

    /// <inheritdoc />
    public override string KindDescription => "a list";

    /// <inheritdoc />
    public override long Size { get; }
}

/// <summary>A mapping with string keys; duplicate keys were already reported and dropped by the reader.</summary>
public sealed class YamlTreeMapping : YamlTreeNode
{
    /// <summary>Creates a mapping.</summary>
    public YamlTreeMapping(IReadOnlyList<YamlTreeEntry> entries, SourcePosition position)
        : base(position)
    {
        Entries = entries;
        Size = 1 + entries.Sum(e => 1 + e.Value.Size);
    }

    /// <summary>The entries in the order they were written.</summary>
    public IReadOnlyList<YamlTreeEntry> Entries { get; }

    /// <inheritdoc />
    public override string KindDescription => "a mapping";

    /// <inheritdoc />
    public override long Size { get; }

    /// <summary>The entry for a key, or null.</summary>
    public YamlTreeEntry? Find(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key == key)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The value for a key, or null when the key is absent.</summary>
    public YamlTreeNode? Get(string key) => Find(key)?.Value;

    /// <summary>A copy with one key's value replaced (or added at the end).</summary>
    public YamlTreeMapping With(string key, YamlTreeNode value, SourcePosition keyPosition)
    {
        var entries = new List<YamlTreeEntry>(Entries.Count + 1);
        bool replaced = false;
        foreach (var entry in Entries)
        {
            if (entry.Key == key)
            {
                entries.Add(entry with { Value = value });
                replaced = true;
            }
            else
            {
                entries.Add(entry);
            }
        }

        if (!replaced)
        {
            entries.Add(new YamlTreeEntry(key, keyPosition, value));
        }

        return new YamlTreeMapping(entries, Position);
    }

    /// <summary>A copy without a key.</summary>
    public YamlTreeMapping Without(string key) =>
        new(Entries.Where(e => e.Key != key).ToList(), Position);
}

/// <summary>One key and value of a mapping; the key's own position is kept for "unknown key" messages.</summary>
/// <param name="Key">The key text.</param>
/// <param name="KeyPosition">Where the key was written.</param>
/// <param name="Value">The value node.</param>
public sealed record YamlTreeEntry(string Key, SourcePosition KeyPosition, YamlTreeNode Value);
