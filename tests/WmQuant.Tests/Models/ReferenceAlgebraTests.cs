using TorchSharp;
using WmQuant.Models;
using WmQuant.Models.Config;
using WmQuant.Models.Layers;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Models;

/// <summary>
/// The model's forward passes against the architecture written out by hand in float64 from the
/// state dict: explicit matmuls, LayerNorm, softmax, erf GELU and the frame mask built element by element.
/// </summary>
public class ReferenceAlgebraTests
{
    private static Tensor P(Dictionary<string, Tensor> sd, string name) => sd[name].to_type(ScalarType.Float64);

    private static Tensor LayerNorm(Tensor x, Tensor w, Tensor b, double eps)
    {
        var mean = x.sum(-1, keepdim: true).Div(x.shape[^1]);
        var centred = x - mean;
        var variance = (centred * centred).sum(-1, keepdim: true).Div(x.shape[^1]);
        return (centred / variance.Add(eps).sqrt() * w).Add(b);
    }

    private static Tensor Linear(Tensor x, Tensor w, Tensor? b = null)
    {
        var y = x.matmul(w.t());
        return b is null ? y : y.Add(b);
    }

    private static Tensor Gelu(Tensor x) => x.Mul(0.5) * special.erf(x.Div(Math.Sqrt(2.0))).Add(1.0);

    private static Tensor Softmax(Tensor x)
    {
        var shifted = x - x.amax([-1], keepdim: true);
        var e = shifted.exp();
        return e / e.sum(-1, keepdim: true);
    }

    private static Tensor MultiHead(Tensor qkv, int heads, Tensor? additiveMask)
    {
        var (b, n, width) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3);
        var d = width / heads;
        var outputs = new List<Tensor>();
        for (var h = 0; h < heads; h++)
        {
            var q = qkv[.., .., (int)(h * d)..(int)((h + 1) * d)];
            var k = qkv[.., .., (int)(width + (h * d))..(int)(width + ((h + 1) * d))];
            var v = qkv[.., .., (int)((2 * width) + (h * d))..(int)((2 * width) + ((h + 1) * d))];
            var scores = q.matmul(k.transpose(1, 2)).Div(Math.Sqrt(d));
            if (additiveMask is not null)
            {
                scores = scores.Add(additiveMask);
            }

            outputs.Add(Softmax(scores).matmul(v));
        }

        return cat(outputs, 2).reshape(b, n, width);
    }

    private static Tensor ReferenceEncoder(Dictionary<string, Tensor> sd, EncoderConfig c, int patch, Tensor images01)
    {
        var x = images01.to_type(ScalarType.Float64).Mul(2.0).Sub(1.0);
        var (n, s) = (x.shape[0], x.shape[2]);
        var g = s / patch;
        // Cut patches by hand: [N,3,g,p,g,p] → [N, g·g, 3·p·p] in (channel, row, column) order like the conv weight.
        var patches = x.reshape(n, 3, g, patch, g, patch).permute(0, 2, 4, 1, 3, 5).reshape(n, g * g, 3 * patch * patch);
        var w = P(sd, "encoder.patch_embed.proj.weight").reshape(c.Dim, -1);
        var tokens = Linear(patches, w, P(sd, "encoder.patch_embed.proj.bias"));
        tokens = cat([P(sd, "encoder.cls_token").expand(n, 1, c.Dim), tokens], 1).Add(P(sd, "encoder.pos_embed"));
        for (var i = 0; i < c.Depth; i++)
        {
            var pre = $"encoder.blocks.{i}.";
            var h = LayerNorm(tokens, P(sd, pre + "norm1.weight"), P(sd, pre + "norm1.bias"), 1e-6);
            var attn = MultiHead(Linear(h, P(sd, pre + "attn.qkv.weight"), P(sd, pre + "attn.qkv.bias")), c.Heads, null);
            tokens = tokens.Add(Linear(attn, P(sd, pre + "attn.proj.weight"), P(sd, pre + "attn.proj.bias")) * P(sd, pre + "ls1.gamma"));
            h = LayerNorm(tokens, P(sd, pre + "norm2.weight"), P(sd, pre + "norm2.bias"), 1e-6);
            var mlp = Linear(Gelu(Linear(h, P(sd, pre + "mlp.fc1.weight"), P(sd, pre + "mlp.fc1.bias"))), P(sd, pre + "mlp.fc2.weight"), P(sd, pre + "mlp.fc2.bias"));
            tokens = tokens.Add(mlp * P(sd, pre + "ls2.gamma"));
        }

        return LayerNorm(tokens, P(sd, "encoder.norm.weight"), P(sd, "encoder.norm.bias"), 1e-6)[.., 1..];
    }

    private static Tensor ReferencePredictor(Dictionary<string, Tensor> sd, PredictorConfig c, int patchesPerFrame, Tensor z)
    {
        var (b, t, p, d) = (z.shape[0], z.shape[1], z.shape[2], z.shape[3]);
        var n = t * p;
        var x = z.to_type(ScalarType.Float64).reshape(b, n, d).Add(P(sd, "predictor.pos_embedding")[.., ..(int)n]);
        var maskValues = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                maskValues[(i * n) + j] = j / patchesPerFrame <= i / patchesPerFrame ? 0.0 : double.NegativeInfinity;
            }
        }

        var mask = tensor(maskValues, [n, n], ScalarType.Float64);
        for (var i = 0; i < c.Depth; i++)
        {
            var pre = $"predictor.transformer.layers.{i}.";
            var h = LayerNorm(x, P(sd, pre + "0.norm.weight"), P(sd, pre + "0.norm.bias"), 1e-5);
            var attn = MultiHead(Linear(h, P(sd, pre + "0.to_qkv.weight")), c.Heads, mask);
            x = x.Add(Linear(attn, P(sd, pre + "0.to_out.0.weight"), P(sd, pre + "0.to_out.0.bias")));
            h = LayerNorm(x, P(sd, pre + "1.net.0.weight"), P(sd, pre + "1.net.0.bias"), 1e-5);
            x = x.Add(Linear(Gelu(Linear(h, P(sd, pre + "1.net.1.weight"), P(sd, pre + "1.net.1.bias"))), P(sd, pre + "1.net.4.weight"), P(sd, pre + "1.net.4.bias")));
        }

        return LayerNorm(x, P(sd, "predictor.transformer.norm.weight"), P(sd, "predictor.transformer.norm.bias"), 1e-5).reshape(b, t, p, d);
    }

    private static DinoWorldModel RandomisedTiny(int seed)
    {
        var model = new DinoWorldModel(ModelTestSupport.Tiny(), seed);
        // Fresh models have unit norms and zero biases; randomise everything so no term can hide.
        using var g = new Generator((ulong)seed + 1000);
        using var noGrad = no_grad();
        foreach (var (_, p) in model.named_parameters())
        {
            p.AddInPlace(randn(p.shape, generator: g).Mul(0.1));
        }

        return model;
    }

    [TestCase(AttentionKernel.Fused)]
    [TestCase(AttentionKernel.Explicit)]
    public void Encoder_matches_hand_written_algebra(AttentionKernel kernel)
    {
        using var scope = NewDisposeScope();
        using var model = RandomisedTiny(3);
        model.AttentionKernel = kernel;
        var images = rand([2, 3, 3, 16, 16], generator: new Generator(8));
        var proprio = randn([2, 3, 3], generator: new Generator(9));
        var sd = model.state_dict();

        var latent = model.EncodeObservations(images, proprio);
        var expectedVisual = ReferenceEncoder(sd, model.Config.Encoder, 8, images.reshape(6, 3, 16, 16)).reshape(2, 3, 4, 24);
        var expectedProprio = Linear(proprio.to_type(ScalarType.Float64), P(sd, "proprio_encoder.patch_embed.weight")[.., .., 0], P(sd, "proprio_encoder.patch_embed.bias"));

        Assert.That(latent.Visual.shape, Is.EqualTo(new long[] { 2, 3, 4, 24 }));
        Assert.That((latent.Visual.to_type(ScalarType.Float64) - expectedVisual).abs().max().item<double>(), Is.LessThan(1e-4));
        Assert.That((latent.Proprio.to_type(ScalarType.Float64) - expectedProprio).abs().max().item<double>(), Is.LessThan(1e-5));
    }

    [TestCase(AttentionKernel.Fused)]
    [TestCase(AttentionKernel.Explicit)]
    public void Predictor_matches_hand_written_algebra(AttentionKernel kernel)
    {
        using var scope = NewDisposeScope();
        using var model = RandomisedTiny(4);
        model.AttentionKernel = kernel;
        var sd = model.state_dict();
        foreach (var frames in new[] { 1, 2, 3 })
        {
            var z = randn([2, frames, 4, model.Config.TokenDim], generator: new Generator((ulong)frames));
            var actual = model.PredictNext(z).to_type(ScalarType.Float64);
            var expected = ReferencePredictor(sd, model.Config.Predictor, 4, z);
            Assert.That((actual - expected).abs().max().item<double>(), Is.LessThan(1e-4), $"{frames} frames");
        }
    }

    [Test]
    public void Tokens_tile_embeddings_onto_every_patch_in_upstream_order()
    {
        using var scope = NewDisposeScope();
        using var model = RandomisedTiny(5);
        var visual = randn([2, 3, 4, 24], generator: new Generator(1));
        var proprio = randn([2, 3, 4], generator: new Generator(2));
        var action = randn([2, 3, 5], generator: new Generator(3));
        var z = model.ComposeTokens(visual, proprio, action);
        Assert.That(z.shape, Is.EqualTo(new long[] { 2, 3, 4, 33 }));
        for (var patch = 0; patch < 4; patch++)
        {
            Assert.That(ModelTestSupport.Identical(z[.., .., patch, ..24], visual[.., .., patch]), Is.True);
            Assert.That(ModelTestSupport.Identical(z[.., .., patch, 24..28], proprio), Is.True);
            Assert.That(ModelTestSupport.Identical(z[.., .., patch, 28..], action), Is.True);
        }

        var (obs, act) = model.SplitTokens(z);
        Assert.That(new[] { ModelTestSupport.Identical(obs.Visual, visual), ModelTestSupport.Identical(obs.Proprio, proprio), ModelTestSupport.Identical(act, action) }, Is.All.True);
    }
}
