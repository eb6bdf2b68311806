using FsCheck;
using FsCheck.Fluent;

namespace WmQuant.TestSupport;

/// <summary>
/// Random byte-level damage to a valid input file, the way a truncated download, a bad merge or a fuzzer damages it:
/// bytes replaced (often by YAML/JSON punctuation, NUL or bytes that are not UTF-8), inserted, deleted, slices
/// repeated (deeper nesting, repeated keys, aliases used again) and tails cut off. Shared by the in-process property
/// tests and their process sample (linked into both test projects) so both draw the same kinds of damage.
/// </summary>
internal static class ByteMutations
{
    private static readonly byte[] Interesting =
        [.. "{}[]:,-&*!|>'\"#?%@`~=. \t\n\r09eE+_".Select(c => (byte)c), 0x00, 0xFF, 0xC3, 0xEF, 0xBB, 0xBF, 0x1B];

    /// <summary>The fixed seed every run draws its cases from (CI is deterministic; change it to explore).</summary>
    public const ulong Seed = 20261124;

    /// <summary>
    /// The mutation seeds of a property, drawn by FsCheck from <see cref="Seed"/> and <paramref name="stream"/> (one
    /// stream per input kind): the in-process property draws many, its process sample the first few of the same draw.
    /// </summary>
    public static IReadOnlyList<int> Seeds(int count, ulong stream) =>
        [.. Gen.Choose(0, int.MaxValue).Sample(size: 100, seed: new Rnd(Seed + stream), numberOfSamples: count)];

    /// <summary>One to four mutations of <paramref name="valid"/>, chosen by <paramref name="seed"/> alone (so a failing case replays).</summary>
    public static byte[] Mutate(byte[] valid, int seed)
    {
        ArgumentNullException.ThrowIfNull(valid);
        var random = new Random(seed);
        var bytes = new List<byte>(valid);
        for (int count = random.Next(1, 5); count > 0; count--)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2:
                    bytes.Insert(at, Interesting[random.Next(Interesting.Length)]);
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 9), bytes.Count - at));
                    break;
                case 4 when bytes.Count > 0:
                    var slice = bytes.GetRange(at, Math.Min(random.Next(1, 65), bytes.Count - at));
                    int target = random.Next(bytes.Count + 1);
                    for (int copies = random.Next(1, 5); copies > 0; copies--)
                    {
                        bytes.InsertRange(target, slice);
                    }

                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }

        return [.. bytes];
    }
}
