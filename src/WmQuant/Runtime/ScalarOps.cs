using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.Runtime;

/// <summary>
/// Tensor operations with a number operand, each holding its native <see cref="Scalar"/> until libtorch is done.
/// </summary>
/// <remarks>
/// TorchSharp turns the number of <c>x * 0.5</c>, <c>x.clamp(0, 1)</c> or <c>torch.full(shape, 2.0)</c> into a native
/// Scalar and never disposes it: the garbage collector's finalizer frees it. The operation no longer references the
/// Scalar once it has read its handle, so a collection started by another thread while libtorch runs can free the
/// Scalar before libtorch reads its value; libtorch then fails ("Expected false to be true") or reads freed memory.
/// With one thread allocating alongside, <c>x * 0.5</c> failed 28 times in 5.1 million calls here, and the
/// <see cref="Scalar"/> held by a <c>using</c> none in 4.9 million. Every method below creates its Scalars, runs the
/// one TorchSharp call it is named after, and disposes them afterwards, so the result is bit-identical to the operator
/// it replaces. The WQA0001 analyzer (src/WmQuant.Analyzers) rejects the unscoped forms.
/// Integer operands stay integers (a <see cref="long"/> overload), so type promotion is the operator's. Some TorchSharp
/// methods make such a Scalar themselves (<c>add(other)</c> and so <c>a + b</c>, <c>square()</c>, <c>arange(stop)</c>):
/// <see cref="Add(Tensor, Tensor)"/>, <c>Pow(2)</c> and <see cref="Arange(long, ScalarType?, Device?)"/> replace them.
/// </remarks>
internal static class ScalarOps
{
    /// <summary>
    /// The alpha of every addition. TorchSharp's <c>add(other)</c>, and so <c>a + b</c>, passes libtorch a Scalar 1 that
    /// it leaves to the finalizer; this one lives as long as the process.
    /// </summary>
    private static readonly Scalar One = 1L.ToScalar();

    /// <summary><c>x + other</c>.</summary>
    public static Tensor Add(this Tensor x, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.add(other, One);
    }

    /// <summary><c>x + value</c>.</summary>
    public static Tensor Add(this Tensor x, long value) => Use(x, value, static (t, s) => t.add(s, One));

    /// <summary><c>x + value</c>.</summary>
    public static Tensor Add(this Tensor x, double value) => Use(x, value, static (t, s) => t.add(s, One));

    /// <summary><c>x - value</c>.</summary>
    public static Tensor Sub(this Tensor x, long value) => Use(x, value, static (t, s) => t.sub(s));

    /// <summary><c>x - value</c>.</summary>
    public static Tensor Sub(this Tensor x, double value) => Use(x, value, static (t, s) => t.sub(s));

    /// <summary><c>value - x</c> as TorchSharp's operator computes it, <c>(-x) + value</c> (the same bits).</summary>
    public static Tensor RSub(this Tensor x, long value) => Use(x, value, NegatedPlus);

    /// <summary><c>value - x</c> as TorchSharp's operator computes it, <c>(-x) + value</c> (the same bits).</summary>
    public static Tensor RSub(this Tensor x, double value) => Use(x, value, NegatedPlus);

    /// <summary><c>x * value</c>.</summary>
    public static Tensor Mul(this Tensor x, long value) => Use(x, value, static (t, s) => t.mul(s));

    /// <summary><c>x * value</c>.</summary>
    public static Tensor Mul(this Tensor x, double value) => Use(x, value, static (t, s) => t.mul(s));

    /// <summary><c>x / value</c>.</summary>
    public static Tensor Div(this Tensor x, long value) => Use(x, value, static (t, s) => t.div(s));

    /// <summary><c>x / value</c>.</summary>
    public static Tensor Div(this Tensor x, double value) => Use(x, value, static (t, s) => t.div(s));

    /// <summary><c>x / value</c> rounded as <paramref name="rounding"/> says.</summary>
    public static Tensor Div(this Tensor x, long value, RoundingMode rounding)
    {
        using var scalar = value.ToScalar();
        return x.div(scalar, rounding);
    }

    /// <summary><c>value / x</c> as TorchSharp's operator computes it, <c>(1 / x) · value</c> (the same bits).</summary>
    public static Tensor RDiv(this Tensor x, long value) => Use(x, value, ReciprocalTimes);

    /// <summary><c>value / x</c> as TorchSharp's operator computes it, <c>(1 / x) · value</c> (the same bits).</summary>
    public static Tensor RDiv(this Tensor x, double value) => Use(x, value, ReciprocalTimes);

    /// <summary><c>x ** exponent</c>.</summary>
    public static Tensor Pow(this Tensor x, long exponent) => Use(x, exponent, static (t, s) => t.pow(s));

    /// <summary><c>x ** exponent</c>.</summary>
    public static Tensor Pow(this Tensor x, double exponent) => Use(x, exponent, static (t, s) => t.pow(s));

    /// <summary>Element-wise <c>x == value</c>.</summary>
    public static Tensor Eq(this Tensor x, long value) => Use(x, value, static (t, s) => t.eq(s));

    /// <summary>Element-wise <c>x == value</c>.</summary>
    public static Tensor Eq(this Tensor x, double value) => Use(x, value, static (t, s) => t.eq(s));

    /// <summary>Element-wise <c>x &lt; value</c>.</summary>
    public static Tensor Lt(this Tensor x, long value) => Use(x, value, static (t, s) => t.lt(s));

    /// <summary>Element-wise <c>x &lt; value</c>.</summary>
    public static Tensor Lt(this Tensor x, double value) => Use(x, value, static (t, s) => t.lt(s));

    /// <summary>Element-wise <c>x &lt;= value</c>.</summary>
    public static Tensor Le(this Tensor x, long value) => Use(x, value, static (t, s) => t.le(s));

    /// <summary>Element-wise <c>x &lt;= value</c>.</summary>
    public static Tensor Le(this Tensor x, double value) => Use(x, value, static (t, s) => t.le(s));

    /// <summary>Element-wise <c>x &gt; value</c>.</summary>
    public static Tensor Gt(this Tensor x, long value) => Use(x, value, static (t, s) => t.gt(s));

    /// <summary>Element-wise <c>x &gt; value</c>.</summary>
    public static Tensor Gt(this Tensor x, double value) => Use(x, value, static (t, s) => t.gt(s));

    /// <summary>Element-wise <c>x &gt;= value</c>.</summary>
    public static Tensor Ge(this Tensor x, long value) => Use(x, value, static (t, s) => t.ge(s));

    /// <summary>Element-wise <c>x &gt;= value</c>.</summary>
    public static Tensor Ge(this Tensor x, double value) => Use(x, value, static (t, s) => t.ge(s));

    /// <summary><c>max(x, min)</c>.</summary>
    public static Tensor ClampMin(this Tensor x, long min) => Use(x, min, static (t, s) => t.clamp_min(s));

    /// <summary><c>max(x, min)</c>.</summary>
    public static Tensor ClampMin(this Tensor x, double min) => Use(x, min, static (t, s) => t.clamp_min(s));

    /// <summary><c>min(x, max)</c>.</summary>
    public static Tensor ClampMax(this Tensor x, long max) => Use(x, max, static (t, s) => t.clamp_max(s));

    /// <summary><c>min(x, max)</c>.</summary>
    public static Tensor ClampMax(this Tensor x, double max) => Use(x, max, static (t, s) => t.clamp_max(s));

    /// <summary><c>x</c> clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor Clamp(this Tensor x, long min, long max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return x.clamp(low, high);
    }

    /// <summary><c>x</c> clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor Clamp(this Tensor x, double min, double max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return x.clamp(low, high);
    }

    /// <summary><c>x</c> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor MaskedFill(this Tensor x, Tensor mask, long value)
    {
        using var scalar = value.ToScalar();
        return x.masked_fill(mask, scalar);
    }

    /// <summary><c>x</c> with <paramref name="value"/> where <paramref name="mask"/> is true.</summary>
    public static Tensor MaskedFill(this Tensor x, Tensor mask, double value)
    {
        using var scalar = value.ToScalar();
        return x.masked_fill(mask, scalar);
    }

    /// <summary><c>x += value</c> in place; returns <paramref name="x"/>.</summary>
    public static Tensor AddInPlace(this Tensor x, double value) => Use(x, value, static (t, s) => t.add_(s, One));

    /// <summary><c>x += other</c> in place; returns <paramref name="x"/>.</summary>
    public static Tensor AddInPlace(this Tensor x, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x.add_(other, One);
    }

    /// <summary><c>x += alpha · other</c> in place; returns <paramref name="x"/>.</summary>
    public static Tensor AddInPlace(this Tensor x, Tensor other, double alpha)
    {
        using var scalar = alpha.ToScalar();
        return x.add_(other, scalar);
    }

    /// <summary><c>x *= value</c> in place; returns <paramref name="x"/>.</summary>
    public static Tensor MulInPlace(this Tensor x, double value) => Use(x, value, static (t, s) => t.mul_(s));

    /// <summary>Sets every element of <paramref name="x"/> to <paramref name="value"/>; returns it.</summary>
    public static Tensor FillInPlace(this Tensor x, long value) => Use(x, value, static (t, s) => t.fill_(s));

    /// <summary>Sets every element of <paramref name="x"/> to <paramref name="value"/>; returns it.</summary>
    public static Tensor FillInPlace(this Tensor x, double value) => Use(x, value, static (t, s) => t.fill_(s));

    /// <summary>Sets <paramref name="x"/> at <paramref name="index"/> along <paramref name="dim"/> to <paramref name="value"/>.</summary>
    public static Tensor IndexFillInPlace(this Tensor x, long dim, Tensor index, long value)
    {
        using var scalar = value.ToScalar();
        return x.index_fill_(dim, index, scalar);
    }

    /// <summary><c>x += value · a · b</c> in place; returns <paramref name="x"/>.</summary>
    public static Tensor AddcmulInPlace(this Tensor x, Tensor a, Tensor b, double value)
    {
        using var scalar = value.ToScalar();
        return x.addcmul_(a, b, scalar);
    }

    /// <summary><c>x += value · a / b</c> in place; returns <paramref name="x"/>.</summary>
    public static Tensor AddcdivInPlace(this Tensor x, Tensor a, Tensor b, double value)
    {
        using var scalar = value.ToScalar();
        return x.addcdiv_(a, b, scalar);
    }

    /// <summary>A tensor of <paramref name="size"/> filled with <paramref name="value"/>; int64 unless <paramref name="dtype"/>.</summary>
    public static Tensor Full(ReadOnlySpan<long> size, long value, ScalarType? dtype = null, Device? device = null)
    {
        using var scalar = value.ToScalar();
        return full(size, scalar, dtype, device);
    }

    /// <summary>A tensor of <paramref name="size"/> filled with <paramref name="value"/>; float32 unless <paramref name="dtype"/>.</summary>
    public static Tensor Full(ReadOnlySpan<long> size, double value, ScalarType? dtype = null, Device? device = null)
    {
        using var scalar = value.ToScalar();
        return full(size, scalar, dtype, device);
    }

    /// <summary>A tensor shaped like <paramref name="like"/> filled with <paramref name="value"/>.</summary>
    public static Tensor FullLike(Tensor like, double value, ScalarType? dtype = null, Device? device = null)
    {
        using var scalar = value.ToScalar();
        return full_like(like, scalar, dtype, device);
    }

    /// <summary>0, 1, …, <paramref name="stop"/> − 1; int64 unless <paramref name="dtype"/>.</summary>
    public static Tensor Arange(long stop, ScalarType? dtype = null, Device? device = null) => Arange(0, stop, 1, dtype, device);

    /// <summary>From <paramref name="start"/> below <paramref name="stop"/> by <paramref name="step"/>; int64 unless <paramref name="dtype"/>.</summary>
    public static Tensor Arange(long start, long stop, long step, ScalarType? dtype = null, Device? device = null)
    {
        using var first = start.ToScalar();
        using var end = stop.ToScalar();
        using var stride = step.ToScalar();
        return arange(first, end, stride, dtype, device);
    }

    /// <summary><paramref name="operation"/> on <paramref name="x"/> and <paramref name="value"/> as an integer Scalar.</summary>
    private static Tensor Use(Tensor x, long value, Func<Tensor, Scalar, Tensor> operation)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scalar = value.ToScalar();
        return operation(x, scalar);
    }

    /// <summary><paramref name="operation"/> on <paramref name="x"/> and <paramref name="value"/> as a floating Scalar.</summary>
    private static Tensor Use(Tensor x, double value, Func<Tensor, Scalar, Tensor> operation)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var scalar = value.ToScalar();
        return operation(x, scalar);
    }

    private static Tensor NegatedPlus(Tensor x, Scalar value)
    {
        using var negated = x.negative();
        return negated.add(value, One);
    }

    private static Tensor ReciprocalTimes(Tensor x, Scalar value)
    {
        using var reciprocal = x.reciprocal();
        return reciprocal.mul(value);
    }
}
