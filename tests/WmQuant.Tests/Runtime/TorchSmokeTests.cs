using TorchSharp;
using static TorchSharp.torch;

namespace WmQuant.Tests.Runtime;

public class TorchSmokeTests
{
    [Test]
    public void Matmul_runs()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var b = a.matmul(a);
        Assert.That(b.data<float>().ToArray(), Is.EqualTo(new float[] { 7, 10, 15, 22 }));
    }
}
