using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace WmQuant.Naming;

/// <summary>
/// The names users write for the members of an enum, read from each member's <see cref="JsonStringEnumMemberNameAttribute"/>,
/// so one attribute spells a concept for recipes, the command line, JSON files and messages alike.
/// </summary>
public static class Names
{
    private static readonly ConcurrentDictionary<Type, (Enum Value, string Name)[]> Tables = new();

    /// <summary>Every name of <typeparamref name="T"/>, in declaration order (the order help texts and messages list them).</summary>
    public static IReadOnlyList<string> All<T>()
        where T : struct, Enum => [.. Table<T>().Select(e => e.Name)];

    /// <summary>The name of a member.</summary>
    public static string Of<T>(T value)
        where T : struct, Enum
    {
        foreach (var (member, name) in Table<T>())
        {
            if (member.Equals(value))
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"not a declared {typeof(T).Name}");
    }

    /// <summary>The member a name means, or null for a name that is none of <see cref="All{T}"/> (exact, case-sensitive).</summary>
    public static T? Parse<T>(string? name)
        where T : struct, Enum
    {
        foreach (var (member, spelled) in Table<T>())
        {
            if (string.Equals(spelled, name, StringComparison.Ordinal))
            {
                return (T)member;
            }
        }

        return null;
    }

    /// <summary>"a, b or c", for messages.</summary>
    public static string Listed<T>()
        where T : struct, Enum
    {
        var all = All<T>();
        return all.Count == 1 ? all[0] : $"{string.Join(", ", all.Take(all.Count - 1))} or {all[^1]}";
    }

    private static (Enum Value, string Name)[] Table<T>()
        where T : struct, Enum =>
        Tables.GetOrAdd(typeof(T), type =>
        [
            .. type.GetFields(BindingFlags.Public | BindingFlags.Static).Select(field =>
                ((Enum)field.GetValue(null)!,
                 field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                    ?? throw new InvalidOperationException($"{type.Name}.{field.Name} declares no name (JsonStringEnumMemberName)"))),
        ]);
}
