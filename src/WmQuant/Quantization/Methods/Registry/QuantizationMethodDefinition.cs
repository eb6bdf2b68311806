using System.Globalization;

namespace WmQuant.Quantization.Methods.Registry;

/// <summary>A method defined by its options record <typeparamref name="TOptions"/> and a factory.</summary>
/// <typeparam name="TOptions">The options record: public int/double/bool init properties marked <see cref="MethodOptionAttribute"/>, defaults as initial values.</typeparam>
public sealed class QuantizationMethodDefinition<TOptions> : IQuantizationMethodDefinition
    where TOptions : class, new()
{
    private readonly Func<TOptions, IModelQuantizationMethod> factory;

    /// <summary>Defines a method.</summary>
    /// <param name="name">Recipe name: lowercase letters and digits.</param>
    /// <param name="description">One sentence.</param>
    /// <param name="factory">Builds the transform for a set of options.</param>
    /// <param name="weightOnly">True when activations are never quantized by this method.</param>
    /// <param name="requiresCalibration">True when the method always needs calibration data.</param>
    public QuantizationMethodDefinition(string name, string description, Func<TOptions, IModelQuantizationMethod> factory, bool weightOnly = false, bool requiresCalibration = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"method name '{name}' must be lowercase letters, digits and '-'", nameof(name));
        }

        Name = name;
        Description = description ?? throw new ArgumentNullException(nameof(description));
        this.factory = factory ?? throw new ArgumentNullException(nameof(factory));
        WeightOnly = weightOnly;
        RequiresCalibration = requiresCalibration;
        Options = MethodOptionDescriptor.Of(typeof(TOptions), new TOptions());
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public bool WeightOnly { get; }

    /// <inheritdoc/>
    public bool RequiresCalibration { get; }

    /// <inheritdoc/>
    public Type OptionsType => typeof(TOptions);

    /// <inheritdoc/>
    public IReadOnlyList<MethodOptionDescriptor> Options { get; }

    /// <inheritdoc/>
    public object DefaultOptions() => new TOptions();

    /// <inheritdoc/>
    public object BindOptions(IReadOnlyDictionary<string, object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var options = new TOptions();
        foreach (var (key, value) in values)
        {
            var option = Options.FirstOrDefault(o => o.Name == key)
                ?? throw new ArgumentException($"{Name} has no option '{key}'", nameof(values));
            object typed = option.Kind switch
            {
                MethodOptionKind.Integer => Convert.ToInt32(value, CultureInfo.InvariantCulture),
                MethodOptionKind.Number => Convert.ToDouble(value, CultureInfo.InvariantCulture),
                _ => (bool)value,
            };
            if (option.Kind != MethodOptionKind.Boolean && !option.Allows(Convert.ToDouble(typed, CultureInfo.InvariantCulture)))
            {
                throw new ArgumentException($"{Name}.{key} = {value} is outside its bounds", nameof(values));
            }

            option.Property.SetValue(options, typed);
        }

        return options;
    }

    /// <inheritdoc/>
    public IReadOnlyList<KeyValuePair<string, object>> Describe(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return [.. Options.Select(o => new KeyValuePair<string, object>(o.Name, o.Property.GetValue(options)!))];
    }

    /// <inheritdoc/>
    public IModelQuantizationMethod Create(object options) => factory((TOptions)options);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
