namespace WmQuant.Quantization.Methods.Registry;

/// <summary>
/// The quantization methods a build implements, by name. Only implemented methods are registered, so a recipe that
/// names anything else fails at <c>wmq validate</c> with its line and the list below. Immutable: <see cref="With"/>
/// makes a new registry (tests register toy methods that way without touching the built-in one).
/// </summary>
public sealed class QuantizationMethodRegistry
{
    private readonly IReadOnlyList<IQuantizationMethodDefinition> methods;

    private QuantizationMethodRegistry(IReadOnlyList<IQuantizationMethodDefinition> methods) => this.methods = methods;

    /// <summary>The methods of this build. Adding a method: one file defining it, one line here.</summary>
    public static QuantizationMethodRegistry Builtin { get; } = new(
    [
        RtnMethod.Definition,
        OmseMethod.Definition,
        Awq.AwqDefinition.Definition,
        SmoothQuant.SmoothQuantDefinition.Definition,
        OmniQuant.OmniQuantDefinition.Definition,
        Gptq.GptqDefinition.Definition,
    ]);

    /// <summary>Every registered method, in registration order.</summary>
    public IReadOnlyList<IQuantizationMethodDefinition> All => methods;

    /// <summary>Every registered name, in registration order.</summary>
    public IReadOnlyList<string> Names => [.. methods.Select(m => m.Name)];

    /// <summary>The method of a name, or null.</summary>
    public IQuantizationMethodDefinition? Find(string? name) => methods.FirstOrDefault(m => m.Name == name);

    /// <summary>This registry plus one method.</summary>
    /// <exception cref="ArgumentException">A method of that name is already registered.</exception>
    public QuantizationMethodRegistry With(IQuantizationMethodDefinition method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (Find(method.Name) is not null)
        {
            throw new ArgumentException($"a method named '{method.Name}' is already registered", nameof(method));
        }

        return new QuantizationMethodRegistry([.. methods, method]);
    }
}
