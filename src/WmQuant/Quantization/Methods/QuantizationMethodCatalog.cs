namespace WmQuant.Quantization.Methods;

/// <summary>Method options a recipe can set; each method reads only its own.</summary>
/// <param name="OmseCandidates">Shrink ratios OMSE tries per scale group and per static activation (see <see cref="ShrinkGrid.WithCandidates"/>).</param>
public sealed record QuantizationMethodOptions(int OmseCandidates = 90);

/// <summary>A method, or why it cannot be had.</summary>
/// <param name="Method">The method when available.</param>
/// <param name="Error">Why not (for example <see cref="QuantizationError.NotImplemented"/>) otherwise.</param>
public sealed record MethodLookup(IModelQuantizationMethod? Method, QuantizationError? Error)
{
    /// <summary>True when <see cref="Method"/> is usable.</summary>
    public bool Ok => Method is not null;
}

/// <summary>Maps method names and kinds to model transforms; methods recipes can name but this build lacks come back as errors, never exceptions.</summary>
public static class QuantizationMethodCatalog
{
    /// <summary>The transform for <paramref name="kind"/>, or a <see cref="QuantizationError.NotImplemented"/> error.</summary>
    public static MethodLookup Create(QuantizationMethodKind kind, QuantizationMethodOptions? options = null)
    {
        options ??= new QuantizationMethodOptions();
        return kind switch
        {
            QuantizationMethodKind.Rtn => new MethodLookup(new ModelQuantizationMethod("rtn", new RtnWeightMethod(), new MinMaxActivationRange()), null),
            QuantizationMethodKind.Omse => Omse(options),
            _ => new MethodLookup(null, new QuantizationError(
                QuantizationError.NotImplemented,
                $"quantization method '{NameOf(kind)}' is not implemented yet; implemented methods: {string.Join(", ", Implemented.Select(NameOf))}")),
        };
    }

    /// <summary>The transform for a recipe's method name (rtn, omse, awq, smoothquant, omniquant, gptq); unknown names are errors too.</summary>
    public static MethodLookup Create(string name, QuantizationMethodOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var kind = Enum.GetValues<QuantizationMethodKind>().Cast<QuantizationMethodKind?>().FirstOrDefault(k => NameOf(k!.Value) == name);
        return kind is { } found
            ? Create(found, options)
            : new MethodLookup(null, new QuantizationError(QuantizationError.InvalidRequest, $"unknown quantization method '{name}'; known: {string.Join(", ", Enum.GetValues<QuantizationMethodKind>().Select(NameOf))}"));
    }

    /// <summary>Methods this build implements.</summary>
    public static IReadOnlyList<QuantizationMethodKind> Implemented { get; } = [QuantizationMethodKind.Rtn, QuantizationMethodKind.Omse];

    /// <summary>The recipe spelling of a method ("rtn", "smoothquant").</summary>
    public static string NameOf(QuantizationMethodKind kind) => kind.ToString().ToLowerInvariant();

    private static MethodLookup Omse(QuantizationMethodOptions options)
    {
        if (options.OmseCandidates < 2)
        {
            return new MethodLookup(null, new QuantizationError(QuantizationError.InvalidRequest, $"omse needs at least 2 candidates, got {options.OmseCandidates}"));
        }

        var grid = ShrinkGrid.WithCandidates(options.OmseCandidates);
        return new MethodLookup(new ModelQuantizationMethod("omse", new OmseWeightMethod(grid), new OmseActivationRange(grid)), null);
    }
}
