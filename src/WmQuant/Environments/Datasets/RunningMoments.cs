namespace WmQuant.Environments.Datasets;

/// <summary>Per-dimension mean and (population) standard deviation accumulated in one pass (Welford), stable over millions of samples.</summary>
public sealed class RunningMoments
{
    private readonly double[] _mean;
    private readonly double[] _m2;
    private long _count;

    /// <summary>Creates an accumulator for vectors of <paramref name="dimension"/> values.</summary>
    public RunningMoments(int dimension)
    {
        _mean = new double[dimension];
        _m2 = new double[dimension];
    }

    /// <summary>Adds one vector.</summary>
    public void Add(ReadOnlySpan<double> x)
    {
        _count++;
        for (var i = 0; i < _mean.Length; i++)
        {
            var delta = x[i] - _mean[i];
            _mean[i] += delta / _count;
            _m2[i] += delta * (x[i] - _mean[i]);
        }
    }

    /// <summary>The mean of everything added.</summary>
    public double[] Mean => (double[])_mean.Clone();

    /// <summary>The standard deviation of everything added (0 for no data).</summary>
    public double[] Std => _m2.Select(m => _count > 0 ? Math.Sqrt(m / _count) : 0).ToArray();
}
