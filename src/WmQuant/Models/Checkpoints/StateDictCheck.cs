using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.Models.Checkpoints;

/// <summary>Compares a state dict with what a model expects, listing every mismatch rather than stopping at the first.</summary>
public static class StateDictCheck
{
    /// <summary>
    /// Problems with loading <paramref name="source"/> into a model whose state dict is <paramref name="expected"/>:
    /// missing keys, unexpected keys and wrong shapes, each as one readable line, sorted by name.
    /// Keys of <paramref name="optionalGroups"/> may be absent or extra without a complaint.
    /// </summary>
    public static IReadOnlyList<string> Problems(
        IReadOnlyDictionary<string, Tensor> expected,
        IReadOnlyDictionary<string, Tensor> source,
        IReadOnlySet<ModuleGroup>? optionalGroups = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(source);
        bool Optional(string key) => optionalGroups is not null && ModuleGroups.Of(key) is { } g && optionalGroups.Contains(g);

        var problems = new List<string>();
        foreach (var key in expected.Keys.Order(StringComparer.Ordinal))
        {
            if (!source.TryGetValue(key, out var given))
            {
                if (!Optional(key))
                {
                    problems.Add($"missing key '{key}' (expected shape {Shape(expected[key])})");
                }
            }
            else if (!given.shape.SequenceEqual(expected[key].shape))
            {
                problems.Add($"wrong shape for '{key}': checkpoint has {Shape(given)}, model expects {Shape(expected[key])}");
            }
            else if (!is_floating_point(given))
            {
                problems.Add($"wrong dtype for '{key}': checkpoint has {given.dtype}, model expects a floating-point tensor");
            }
        }

        foreach (var key in source.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            if (!Optional(key))
            {
                problems.Add($"unexpected key '{key}' (shape {Shape(source[key])})");
            }
        }

        return problems;
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
