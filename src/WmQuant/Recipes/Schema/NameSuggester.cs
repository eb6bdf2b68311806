namespace WmQuant.Recipes.Schema;

/// <summary>Finds the allowed word a misspelt one was probably meant to be (edit distance at most 2, or a prefix).</summary>
public static class NameSuggester
{
    /// <summary>The closest candidate, or null when none is close enough to be a plausible typo.</summary>
    public static string? Suggest(string typed, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        int bestDistance = int.MaxValue;
        string lower = typed.ToLowerInvariant();
        foreach (string candidate in candidates)
        {
            // Lengths more than 2 apart cannot be a typo, and then one is a prefix of the other or they are unrelated:
            // the length difference is the distance that matters, and a hostile 1 MB key costs nothing.
            int lengthDifference = Math.Abs(typed.Length - candidate.Length);
            int distance = lengthDifference > 2 ? lengthDifference : Distance(lower, candidate.ToLowerInvariant());
            bool prefix = typed.Length >= 2
                && (candidate.StartsWith(typed, StringComparison.OrdinalIgnoreCase) || typed.StartsWith(candidate, StringComparison.OrdinalIgnoreCase));
            if ((distance <= 2 || prefix) && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Levenshtein distance (insertions, deletions, substitutions each cost 1).</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>"; did you mean 'x'?" or nothing, ready to splice into a message.</summary>
    internal static string Hint(string typed, IEnumerable<string> candidates) =>
        Suggest(typed, candidates) is { } suggestion ? $"; did you mean '{suggestion}'?" : string.Empty;
}
