using TorchSharp;
using WmQuant.Planning;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Planning.Toys;

/// <summary>
/// Linear latent dynamics z' = A z + B a + c over z = [visual (P·Dv), proprio (Dp)], with an
/// identity encoder (images [B,T,3,S,S] reshape to [B,T,P,Dv]), so the final frame is affine in
/// the actions and the objective's optimum has a closed form.
/// </summary>
internal sealed class LinearLatentModel : ILatentWorldModel
{
    public LinearLatentModel(int tokens, int tokenDim, int proprioDim, int actionDim, int seed, ScalarType dtype = ScalarType.Float32, double transitionDiagonal = 0.3, double transitionNoise = 0.8, double controlScale = 1.5, bool shiftRegister = false)
    {
        Tokens = tokens;
        TokenDim = tokenDim;
        ProprioDim = proprioDim;
        ActionDim = actionDim;
        DType = dtype;
        int d = LatentDim;
        var rng = new Random(seed);
        // A shift register moves each step's action into its own coordinates, which keeps the
        // closed-form optimum well conditioned; otherwise A and B are dense random matrices.
        Transition = MatrixOf(d, d, (i, j) => (i == j ? transitionDiagonal : 0.0) + (shiftRegister && i == j + actionDim ? 1.0 : 0.0) + (transitionNoise * Gaussian(rng) / Math.Sqrt(d)));
        Control = MatrixOf(d, actionDim, (i, j) => (shiftRegister ? (i == j ? controlScale : 0.0) + (0.1 * Gaussian(rng)) : controlScale * Gaussian(rng)));
        Offset = tensor(Enumerable.Range(0, d).Select(_ => 0.05 * Gaussian(rng)).ToArray(), ScalarType.Float64);
    }

    public int Tokens { get; }
    public int TokenDim { get; }
    public int ProprioDim { get; }
    public int LatentDim => (Tokens * TokenDim) + ProprioDim;
    public int ActionDim { get; }
    public Device Device => CPU;
    public ScalarType DType { get; }

    /// <summary>What the model tells planners one row costs (0: unknown); tests set it to make automatic chunking engage.</summary>
    public long BytesPerPredictRow { get; set; }

    /// <summary>A (float64, [D, D]).</summary>
    public Tensor Transition { get; set; }

    /// <summary>B (float64, [D, A]).</summary>
    public Tensor Control { get; }

    /// <summary>c (float64, [D]).</summary>
    public Tensor Offset { get; }

    public List<long> PredictBatchSizes { get; } = [];

    public LatentObservation Encode(Tensor images, Tensor proprio)
    {
        long b = images.shape[0], t = images.shape[1];
        return new LatentObservation(images.reshape(b, t, Tokens, TokenDim).to(DType), proprio.to(DType));
    }

    public LatentObservation PredictFinal(LatentObservation start, Tensor actions)
    {
        PredictBatchSizes.Add(actions.shape[0]);
        long b = actions.shape[0];
        long observed = start.Visual.shape[1];
        var a = Transition.to(DType);
        var control = Control.to(DType);
        var offset = Offset.to(DType);
        var z = Flatten(start.Visual.select(1, observed - 1), start.Proprio.select(1, observed - 1));
        for (long k = observed - 1; k < actions.shape[1]; k++)
        {
            z = z.matmul(a.t()).Add(actions.select(1, k).matmul(control.t())).Add(offset);
        }

        return Unflatten(z, b);
    }

    public static Tensor Flatten(Tensor visual, Tensor proprio) => cat([visual.reshape(visual.shape[0], -1), proprio], 1);

    public LatentObservation Unflatten(Tensor z, long b) =>
        new(z.narrow(1, 0, Tokens * TokenDim).reshape(b, 1, Tokens, TokenDim), z.narrow(1, Tokens * TokenDim, ProprioDim).reshape(b, 1, ProprioDim));

    /// <summary>Random start latents packaged as images/proprio the identity encoder maps back, [B, 1, ...].</summary>
    public (Tensor Images, Tensor Proprio) RandomFrames(int batch, int seed)
    {
        var rng = new Random(seed);
        int pixels = Tokens * TokenDim;
        if (pixels % 3 != 0)
        {
            throw new InvalidOperationException("Visual latent size must be a multiple of 3 to look like an image.");
        }

        var visual = Enumerable.Range(0, batch * pixels).Select(_ => (float)rng.NextDouble()).ToArray();
        var proprio = Enumerable.Range(0, batch * ProprioDim).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        return (tensor(visual, [batch, 1, 3, 1, pixels / 3]), tensor(proprio, [batch, 1, ProprioDim]));
    }

    private static Tensor MatrixOf(int rows, int cols, Func<int, int, double> value)
    {
        var data = new double[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                data[(i * cols) + j] = value(i, j);
            }
        }

        return tensor(data, [rows, cols]);
    }

    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
