using System.Globalization;
using ScottPlot.TickGenerators;

namespace WmQuant.Reports.Charts;

/// <summary>Tick marks at exactly the positions that carry data (bit widths, step numbers), never at 3.5 bits or step 1.5.</summary>
internal static class ChartTicks
{
    /// <summary>Most labelled ticks on an axis before every n-th is kept instead.</summary>
    private const int MaxLabels = 20;

    /// <summary>Ticks labelled with their value at each of <paramref name="positions"/> (thinned evenly when there are many).</summary>
    public static NumericManual AtValues(IEnumerable<double> positions)
    {
        var distinct = positions.Distinct().Order().ToArray();
        var stride = Math.Max(1, (distinct.Length + MaxLabels - 1) / MaxLabels);
        var ticks = new NumericManual();
        for (var i = 0; i < distinct.Length; i += stride)
        {
            ticks.AddMajor(distinct[i], distinct[i].ToString("G4", CultureInfo.InvariantCulture));
        }

        return ticks;
    }
}
