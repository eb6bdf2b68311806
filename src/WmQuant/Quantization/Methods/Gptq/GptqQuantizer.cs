using WmQuant.Quantization.Primitives;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Quantization.Methods.Gptq;

/// <summary>One weight quantized by GPTQ: the codes (standard layout) and what the solver had to do.</summary>
/// <param name="Quantized">Codes, scales and zero points; <see cref="WeightQuantizer.Dequantize"/> gives the weight to install.</param>
/// <param name="Damping">The dampening actually added to the Hessian's diagonal, as a fraction of its mean diagonal.</param>
/// <param name="DeadColumns">Inputs that were zero on every calibration token (their weights are set to zero, as upstream).</param>
internal sealed record GptqLayerResult(QuantizedWeight Quantized, double Damping, long DeadColumns);

/// <summary>
/// The GPTQ solver (Frantar et al., 2022, reference <c>gptq.py</c> <c>fasterquant</c>) for one weight [N, K] and the
/// Hessian H = 2XᵀX/n of its inputs: columns are quantized one at a time, each column's rounding error is spread over
/// the columns not yet quantized through the upper Cholesky factor of H⁻¹, within blocks of columns and with one lazy
/// update of the remaining columns per block. Scales and codes use the same arithmetic as <see cref="WeightQuantizer"/>
/// (fp16 scales rounded up, round half to even, partial last groups), so dequantizing the codes gives exactly the
/// values the error feedback used. Works in float64 on the weight's device.
/// </summary>
internal static class GptqQuantizer
{
    private const int MaxDampingAttempts = 8;

    /// <summary>H = 2XᵀX/n of tokens [n, K], accumulated in float64 (the GPTQ objective's Hessian).</summary>
    public static Tensor Hessian(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = NewDisposeScope();
        var x = tokens.reshape(-1, tokens.shape[^1]).to_type(ScalarType.Float64);
        long n = Math.Max(x.shape[0], 1);
        return x.t().matmul(x).Mul(2.0 / n).MoveToOuterDisposeScope();
    }

    /// <summary>Quantizes <paramref name="weight"/> [N, K] for inputs with Hessian <paramref name="hessian"/> [K, K].</summary>
    public static GptqLayerResult Quantize(Tensor weight, Tensor hessian, WeightQuantConfig config, GptqOptions options)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(hessian);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        long rows = weight.shape[0];
        long columns = weight.shape[1];
        var device = weight.device;
        var w = weight.detach().to(ScalarType.Float64, device).clone();
        var h = hessian.to(ScalarType.Float64, device).clone();

        // Dead inputs (never non-zero): H gets a unit diagonal there and the weight a zero column, as upstream.
        var dead = h.diagonal().Eq(0);
        long deadColumns = dead.sum().item<long>();
        if (deadColumns > 0)
        {
            h = h.Add(dead.to_type(ScalarType.Float64).diag_embed());
            w = w.MaskedFill(dead.unsqueeze(0), 0);
        }

        bool dynamicGroups = config.Granularity == WeightGranularity.PerGroup && !options.ActOrder;
        long[] scaleShape = WeightGrouping.ScaleShape(rows, columns, config);
        var (scales, zeroPoints) = dynamicGroups
            ? (zeros(scaleShape, ScalarType.Float32, device), config.Symmetric ? null : zeros(scaleShape, ScalarType.Float32, device))
            : WeightQuantizer.GroupParameters(WeightGrouping.Group(w.to_type(ScalarType.Float32), config), config, null);

        long[] order = options.ActOrder ? DecreasingDiagonalOrder(h) : [.. Enumerable.Range(0, (int)columns).Select(i => (long)i)];
        if (options.ActOrder)
        {
            var permutation = tensor(order, ScalarType.Int64, device);
            w = w.index_select(1, permutation);
            h = h.index_select(0, permutation).index_select(1, permutation);
        }

        double meanDiagonal = h.diagonal().mean().item<double>();
        var (inverseFactor, damping) = UpperInverseCholesky(h, meanDiagonal, options.Damp);
        var codes = zeros([rows, columns], ScalarType.Float32, device);
        long block = dynamicGroups ? Math.Max(options.BlockSize / config.GroupSize, 1) * (long)config.GroupSize : options.BlockSize;
        for (long start = 0; start < columns; start += block)
        {
            using var blockScope = NewDisposeScope();
            long count = Math.Min(block, columns - start);
            var current = w.narrow(1, start, count).clone();
            var errors = zeros([rows, count], ScalarType.Float64, device);
            var factor = inverseFactor.narrow(0, start, count).narrow(1, start, count);
            for (long i = 0; i < count; i++)
            {
                using var columnScope = NewDisposeScope();
                long natural = order[start + i];
                if (dynamicGroups && natural % config.GroupSize == 0)
                {
                    // The group lies inside this block (blocks are multiples of G): its columns carry every earlier error.
                    long length = Math.Min(config.GroupSize, columns - natural);
                    var groupColumns = current.narrow(1, i, length).to_type(ScalarType.Float32).unsqueeze(1);
                    var (groupScale, groupZero) = WeightQuantizer.GroupParameters(groupColumns, config, null);
                    long group = natural / config.GroupSize;
                    scales.narrow(1, group, 1).copy_(groupScale);
                    zeroPoints?.narrow(1, group, 1).copy_(groupZero!);
                }

                long scaleColumn = config.Granularity == WeightGranularity.PerGroup ? natural / config.GroupSize : 0;
                var scale = scales.select(1, scaleColumn);
                var zero = zeroPoints?.select(1, scaleColumn);
                var column = current.select(1, i);
                var q = UniformQuantMath.Codes(column.to_type(ScalarType.Float32), scale, zero, config.MinCode, config.MaxCode);
                codes.select(1, start + i).copy_(q);
                var value = UniformQuantMath.Values(q, scale, zero).to_type(ScalarType.Float64);
                var error = (column - value) / factor[i, i];
                current.narrow(1, i, count - i).sub_(error.unsqueeze(1).matmul(factor.narrow(0, i, 1).narrow(1, i, count - i)));
                errors.select(1, i).copy_(error);
            }

            long rest = columns - start - count;
            if (rest > 0)
            {
                w.narrow(1, start + count, rest).sub_(errors.matmul(inverseFactor.narrow(0, start, count).narrow(1, start + count, rest)));
            }
        }

        if (options.ActOrder)
        {
            var inverse = new long[columns];
            for (int j = 0; j < columns; j++)
            {
                inverse[order[j]] = j;
            }

            codes = codes.index_select(1, tensor(inverse, ScalarType.Int64, device));
        }

        var quantized = new QuantizedWeight(
            codes.to_type(ScalarType.Int32).contiguous(),
            scales.contiguous(),
            zeroPoints?.to_type(ScalarType.Int32).contiguous(),
            config,
            weight.dtype);
        return new GptqLayerResult(quantized.MoveToOuterDisposeScope(), damping, deadColumns);
    }

    /// <summary>Column order by decreasing Hessian diagonal; a stable sort, so equal diagonals keep their natural order.</summary>
    internal static long[] DecreasingDiagonalOrder(Tensor hessian)
    {
        using var scope = NewDisposeScope();
        double[] diagonal = hessian.diagonal().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        return [.. Enumerable.Range(0, diagonal.Length).OrderByDescending(i => diagonal[i]).Select(i => (long)i)];
    }

    /// <summary>
    /// U with H⁻¹ = UᵀU for H + λ·mean(diag H)·I, λ = <paramref name="damp"/> raised tenfold (from at least 1e-4)
    /// while the Cholesky factorisation fails; returns U and the λ used.
    /// </summary>
    private static (Tensor Factor, double Damping) UpperInverseCholesky(Tensor hessian, double meanDiagonal, double damp)
    {
        var identity = eye(hessian.shape[0], dtype: ScalarType.Float64, device: hessian.device);
        double damping = damp;
        for (int attempt = 0; attempt < MaxDampingAttempts; attempt++)
        {
            using var scope = NewDisposeScope();
            var (lower, info) = linalg.cholesky_ex(hessian.Add(identity.Mul(damping * meanDiagonal)));
            if (info.item<int>() == 0)
            {
                var (inverseLower, inverseInfo) = linalg.cholesky_ex(cholesky_inverse(lower));
                if (inverseInfo.item<int>() == 0)
                {
                    return (inverseLower.mT.contiguous().MoveToOuterDisposeScope(), damping);
                }
            }

            damping = Math.Max(damping * 10, 1e-4);
        }

        throw new InvalidOperationException(FormattableString.Invariant(
            $"the GPTQ Hessian is not positive definite even with dampening {damping / 10} of its mean diagonal (non-finite inputs?)"));
    }
}
