using TorchSharp;
using WmQuant.Runtime;
using static TorchSharp.torch;

namespace WmQuant.Tests.Runtime;

/// <summary>Real TorchSharp work on the CPU, checked against values computed by hand.</summary>
public class TorchSmokeTests
{
    [Test]
    public void Matmul_matches_hand_computed_product()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var b = a.matmul(a);
        Assert.That(b.data<float>().ToArray(), Is.EqualTo(new float[] { 7, 10, 15, 22 }));
    }

    [Test]
    public void Linear_forward_and_backward_match_hand_computed_values()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(3, 2);
        using (no_grad())
        {
            linear.weight!.copy_(tensor(new float[] { 1, -1, 2, 0.5f, 0, -2 }, 2, 3));
            linear.bias!.copy_(tensor(new float[] { 0.5f, -1 }));
        }

        var x = tensor(new float[] { 0.25f, 0.5f, 0.75f }, 1, 3);
        // y = W x + b = [0.25 - 0.5 + 1.5 + 0.5, 0.125 + 0 - 1.5 - 1] = [1.75, -2.375]
        var y = linear.forward(x);
        Assert.That(y.data<float>().ToArray(), Is.EqualTo(new[] { 1.75f, -2.375f }));

        // L = sum(tanh(y)^2); dL/dy = 2 tanh(y) (1 - tanh(y)^2); dL/dW = dL/dy x^T; dL/db = dL/dy.
        var loss = y.tanh().Pow(2).sum();
        loss.backward();
        double[] dy = [1.75, -2.375];
        dy = dy.Select(v => 2 * Math.Tanh(v) * (1 - (Math.Tanh(v) * Math.Tanh(v)))).ToArray();
        double[] x0 = [0.25, 0.5, 0.75];
        float[] expectedWeightGrad = [.. Enumerable.Range(0, 6).Select(i => (float)(dy[i / 3] * x0[i % 3]))];
        Assert.That(linear.weight!.grad!.data<float>().ToArray(), Is.EqualTo(expectedWeightGrad).Within(1e-6));
        Assert.That(linear.bias!.grad!.data<float>().ToArray(), Is.EqualTo(dy.Select(v => (float)v).ToArray()).Within(1e-6));
        Assert.That(loss.item<float>(), Is.EqualTo((float)((Math.Tanh(1.75) * Math.Tanh(1.75)) + (Math.Tanh(-2.375) * Math.Tanh(-2.375)))).Within(1e-6));
    }

    [Test]
    public void Softmax_attention_matches_hand_computed_weights()
    {
        using var scope = NewDisposeScope();
        // One query against two keys: scores [0, ln 3] => weights [1/4, 3/4].
        var q = tensor(new float[] { 1 }, 1, 1, 1, 1);
        var k = tensor(new float[] { 0, (float)Math.Log(3) }, 1, 1, 2, 1);
        var v = tensor(new float[] { 4, 8 }, 1, 1, 2, 1);
        var output = nn.functional.scaled_dot_product_attention(q, k, v);
        Assert.That(output.item<float>(), Is.EqualTo(7f).Within(1e-5));
    }
}
