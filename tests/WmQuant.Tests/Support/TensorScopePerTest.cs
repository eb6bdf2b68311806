using NUnit.Framework.Interfaces;
using TorchSharp;
using static TorchSharp.torch;

[assembly: WmQuant.Tests.Support.TensorScopePerTest]

namespace WmQuant.Tests.Support;

/// <summary>
/// Runs every test inside a TorchSharp dispose scope, so no tensor a test makes is left to the finalizer.
/// </summary>
/// <remarks>
/// A tensor outside a dispose scope is referenced by nothing once TorchSharp has passed its handle to libtorch, so a
/// collection started by another thread can finalize it, and free it, while libtorch still works on it. The test host
/// has such threads (NUnit, the test platform); the CLI does its tensor work on one thread. Measured here with one
/// thread allocating alongside: <c>x.exp().sum()</c> outside a scope crashed the test host within 20 s, inside one it
/// ran 2.2 million times without a failure. Scalars have the same problem and are handled by ScalarOps (WQA0001).
/// </remarks>
[AttributeUsage(AttributeTargets.Assembly)]
internal sealed class TensorScopePerTestAttribute : Attribute, ITestAction
{
    [ThreadStatic]
    private static Stack<DisposeScope>? scopes;

    /// <summary>The scope of the test running on this thread (null outside a test).</summary>
    internal static DisposeScope? Current => scopes is { Count: > 0 } ? scopes.Peek() : null;

    /// <inheritdoc />
    public ActionTargets Targets => ActionTargets.Test;

    /// <inheritdoc />
    public void BeforeTest(ITest test) => (scopes ??= new()).Push(NewDisposeScope());

    /// <inheritdoc />
    public void AfterTest(ITest test)
    {
        if (scopes is { Count: > 0 })
        {
            scopes.Pop().Dispose();
        }
    }
}
