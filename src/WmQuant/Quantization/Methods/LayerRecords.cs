using WmQuant.Quantization.Model;

namespace WmQuant.Quantization.Methods;

/// <summary>
/// How every model method turns its resolved scope into layer records. Packed codes hold native memory, so when one
/// layer throws (a bug, or the device running out of memory) the codes already made are freed before the exception
/// goes on: a failing method leaves nothing allocated behind, and each method states only its per-layer step.
/// </summary>
internal static class LayerRecords
{
    /// <summary>One record per layer of <paramref name="scope"/>, in scope order, each made by <paramref name="record"/>.</summary>
    public static List<LayerQuantizationRecord> Build(ResolvedQuantizationScope scope, Func<LayerQuantSettings, LayerQuantizationRecord> record)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(record);
        var records = new List<LayerQuantizationRecord>(scope.Layers.Count);
        try
        {
            foreach (var settings in scope.Layers)
            {
                records.Add(record(settings));
            }
        }
        catch
        {
            Free(records);
            throw;
        }

        return records;
    }

    /// <summary>Frees the packed codes of <paramref name="records"/> (those of float layers are null).</summary>
    public static void Free(IEnumerable<LayerQuantizationRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            record.Codes?.Dispose();
        }
    }

    /// <summary>The refusal of an invalid option set (<see cref="QuantizationError.InvalidRequest"/>), or null when there is no problem.</summary>
    public static QuantizationOutcome? RefuseOptions(string? problem) =>
        problem is null ? null : new QuantizationOutcome(null, new QuantizationError(QuantizationError.InvalidRequest, problem));
}
