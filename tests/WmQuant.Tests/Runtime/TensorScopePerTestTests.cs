using WmQuant.Tests.Support;
using static TorchSharp.torch;

namespace WmQuant.Tests.Runtime;

/// <summary>The assembly-wide dispose scope every unit test runs in (Support/TensorScopePerTest.cs).</summary>
public class TensorScopePerTestTests
{
    [Test]
    public void A_tensor_a_test_makes_is_held_by_the_tests_dispose_scope()
    {
        var made = ones(3).exp();

        Assert.That(TensorScopePerTestAttribute.Current, Is.Not.Null, "every test runs inside a dispose scope");
        Assert.That(TensorScopePerTestAttribute.Current!.DisposablesView, Does.Contain(made), "so the finalizer never frees it mid-use");
    }
}
