using System.Globalization;

namespace WmQuant.Gates;

/// <summary>
/// Invariant number formatting for verdict messages. Numbers compared in one message share their decimals, and get
/// more where rounding would make a value and its threshold look equal (0.849 vs 0.85 never prints "0.85 &lt; 0.85").
/// </summary>
public static class GateNumberFormat
{
    private const int MaxDecimals = 12;

    /// <summary>Decimals for a group of numbers: at least 2, enough for three significant digits of the smallest nonzero one, and enough to tell <paramref name="value"/> from <paramref name="threshold"/>.</summary>
    public static int Decimals(double value, double threshold, IEnumerable<double>? others = null, bool proportion = false)
    {
        int decimals = 2;
        if (!proportion)
        {
            double smallest = new[] { value, threshold }.Concat(others ?? []).Where(x => x != 0 && double.IsFinite(x))
                .Select(Math.Abs).DefaultIfEmpty(1).Min();
            decimals = Math.Clamp(2 - (int)Math.Floor(Math.Log10(smallest)), 2, 6);
        }

        while (value != threshold && decimals < MaxDecimals && Fixed(value, decimals) == Fixed(threshold, decimals))
        {
            decimals++;
        }

        return decimals;
    }

    /// <summary>A number with fixed decimals, invariant culture, no negative zero.</summary>
    public static string Fixed(double value, int decimals)
    {
        string text = value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return text.StartsWith('-') && text.Skip(1).All(ch => ch is '0' or '.') ? text[1..] : text;
    }

    /// <summary>A confidence level as a percentage: 0.95 → "95%", 0.975 → "97.5%".</summary>
    public static string Percent(double confidence) =>
        (confidence * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>A p-value with two significant digits ("0.035"), or "&lt; 0.0001".</summary>
    public static string PValue(double p) =>
        p < 1e-4 ? "< 0.0001" : p.ToString("G2", CultureInfo.InvariantCulture);

    /// <summary>An integer, invariant.</summary>
    public static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
