using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using WmQuant.Analyzers;
using static TorchSharp.torch;

namespace WmQuant.Tests.Analyzers;

/// <summary>The WQA0001/WQA0002 analyzer on snippets compiled against TorchSharp: what it reports and what it lets through.</summary>
public class ScalarLifetimeAnalyzerTests
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(Tensor).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(path => MetadataReference.CreateFromFile(path))]);

    [TestCase("var z = x * 0.5;", "ScalarOps.Mul")]
    [TestCase("var z = 0.5f * x;", "ScalarOps.Mul")]
    [TestCase("var z = x + 1;", "ScalarOps.Add")]
    [TestCase("var z = 1 - x;", "ScalarOps.RSub")]
    [TestCase("var z = x - 2L;", "ScalarOps.Sub")]
    [TestCase("var z = 2.0 / x;", "ScalarOps.RDiv")]
    [TestCase("var z = x / 255;", "ScalarOps.Div")]
    [TestCase("x *= 0.5;", "ScalarOps.Mul")]
    [TestCase("var z = x % 2;", "a Scalar held by using")]
    [TestCase("var z = x + y;", "ScalarOps.Add")]
    [TestCase("x += y;", "ScalarOps.Add")]
    [TestCase("var z = x.add(y);", "ScalarOps.Add")]
    [TestCase("x.add_(y);", "ScalarOps.AddInPlace")]
    [TestCase("var z = x.square();", "ScalarOps.Pow(2)")]
    [TestCase("var z = x.elu(1.0);", "code that holds its Scalars (WmQuant.Runtime.ScalarOps shows how)")]
    [TestCase("float f = (float)x.sum();", "item<float>()")]
    [TestCase("double d = x.sum().ToDouble();", "item<double>()")]
    public async Task Operators_and_members_that_make_a_scalar_are_reported_with_their_replacement(string statement, string fix)
    {
        var diagnostics = await Analyze(statement);

        Assert.That(diagnostics, Has.Length.EqualTo(1), string.Join("\n", diagnostics));
        Assert.That(diagnostics[0].Id, Is.EqualTo(ScalarLifetimeAnalyzer.UnownedScalarId));
        Assert.That(diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), Does.EndWith("use " + fix));
    }

    [TestCase("var z = x.clamp(0, 1);", 2)]
    [TestCase("var z = x.clamp_min(1e-6);", 1)]
    [TestCase("var z = x.pow(2);", 1)]
    [TestCase("var z = x < 0.5;", 1)]
    [TestCase("var z = full(new long[] { 2, 3 }, 1.5f);", 1)]
    [TestCase("var z = arange(10);", 2)]
    [TestCase("x.fill_(0);", 1)]
    [TestCase("Scalar s = 0.5; var z = x.mul(s);", 1)]
    [TestCase("var z = x.mul(0.5.ToScalar());", 1)]
    [TestCase("var s = 0.5.ToScalar(); var z = x.mul(s); s.Dispose();", 1)]
    public async Task Numbers_that_become_unowned_scalars_are_reported_once_each(string statement, int count)
    {
        var diagnostics = await Analyze(statement);

        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(Enumerable.Repeat(ScalarLifetimeAnalyzer.UnownedScalarId, count)), string.Join("\n", diagnostics));
    }

    [TestCase("var z = x * y - x / y;")]
    [TestCase("var z = -x;")]
    [TestCase("using var s = 0.5.ToScalar(); var z = x * s;")]
    [TestCase("using Scalar s = 0.5; var z = x.clamp_min(s);")]
    [TestCase("using (var s = 2.ToScalar()) { var z = x.pow(s); }")]
    [TestCase("var z = x.mean([0]); double d = 0.5 * 2;")]
    [TestCase("var z = x.add(y, one);")]
    [TestCase("float f = x.sum().item<float>();")]
    public async Task Tensor_arithmetic_and_scalars_held_by_using_pass(string statement)
    {
        var diagnostics = await Analyze(statement);

        Assert.That(diagnostics, Is.Empty, string.Join("\n", diagnostics));
    }

    [Test]
    public async Task TorchSharp_optimizers_are_reported()
    {
        var diagnostics = await Analyze("using var adam = TorchSharp.torch.optim.AdamW(parameters, 1e-3);");

        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { ScalarLifetimeAnalyzer.OptimizerId }));
        Assert.That(diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), Does.Contain("WmQuant.Training.AdamWOptimizer"));
    }

    [Test]
    public async Task The_location_is_the_offending_expression()
    {
        var diagnostics = await Analyze("var z = x.exp() * 0.5;");

        Assert.That(diagnostics.Single().Location.SourceTree!.ToString()[diagnostics[0].Location.SourceSpan.Start..diagnostics[0].Location.SourceSpan.End], Is.EqualTo("x.exp() * 0.5"));
    }

    private static async Task<ImmutableArray<Diagnostic>> Analyze(string statements)
    {
        string source = $$"""
            using System.Collections.Generic;
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;

            internal static class Snippet
            {
                private static readonly Scalar one = 1L.ToScalar();

                internal static void Run(Tensor x, Tensor y, IEnumerable<Parameter> parameters)
                {
                    {{statements}}
                }
            }
            """;
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(source)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.That(errors, Is.Empty, "the snippet compiles: " + string.Join("\n", errors));
        return await compilation.WithAnalyzers([new ScalarLifetimeAnalyzer()]).GetAnalyzerDiagnosticsAsync();
    }
}
