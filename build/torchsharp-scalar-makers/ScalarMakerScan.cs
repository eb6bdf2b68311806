using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WmQuant.ScalarMakerScan;

/// <summary>
/// Compiled into TorchSharp's own source by generate.sh: reports as SMS1 every member that makes a Scalar it leaves to
/// the finalizer: an implicit conversion to Scalar, a Tensor operator with a number operand, or a Scalar-returning
/// call whose result is used on the spot (<c>t.ToScalar().ToDouble()</c>, <c>ord.ToScalar().Handle</c>, an argument).
/// Every call, operator, property read or construction from one TorchSharp member to another is SMS2, so generate.sh
/// can close over calls.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScalarMakerScan : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Maker = new("SMS1", "maker", "MAKER {0}", "scan", DiagnosticSeverity.Warning, true);
    private static readonly DiagnosticDescriptor Edge = new("SMS2", "edge", "EDGE {0} -> {1}", "scan", DiagnosticSeverity.Warning, true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Maker, Edge);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(c =>
        {
            var conversion = (IConversionOperation)c.Operation;
            if (conversion.OperatorMethod is not null && conversion.Type?.ToDisplayString() == "TorchSharp.Scalar")
            {
                c.ReportDiagnostic(Diagnostic.Create(Maker, c.Operation.Syntax.GetLocation(), c.ContainingSymbol.ToDisplayString()));
            }
        }, OperationKind.Conversion);
        context.RegisterOperationAction(c =>
        {
            IMethodSymbol? callee = c.Operation switch
            {
                IInvocationOperation invocation => invocation.TargetMethod,
                IBinaryOperation binary => binary.OperatorMethod,
                ICompoundAssignmentOperation compound => compound.OperatorMethod,
                IObjectCreationOperation creation => creation.Constructor,
                IPropertyReferenceOperation property => property.Property.GetMethod,
                _ => null,
            };
            if (callee is null || !SymbolEqualityComparer.Default.Equals(callee.ContainingAssembly, c.Compilation.Assembly))
            {
                return;
            }

            if (c.Operation is IInvocationOperation call && callee.ReturnType.ToDisplayString() == "TorchSharp.Scalar"
                && call.Parent is IArgumentOperation or IInvocationOperation or IPropertyReferenceOperation)
            {
                c.ReportDiagnostic(Diagnostic.Create(Maker, c.Operation.Syntax.GetLocation(), c.ContainingSymbol.ToDisplayString()));
            }

            if (callee.MethodKind == MethodKind.UserDefinedOperator && callee.ContainingType.ToDisplayString() == "TorchSharp.torch.Tensor"
                && callee.Parameters.Any(p => p.Type.SpecialType != SpecialType.None))
            {
                c.ReportDiagnostic(Diagnostic.Create(Maker, c.Operation.Syntax.GetLocation(), c.ContainingSymbol.ToDisplayString()));
            }

            c.ReportDiagnostic(Diagnostic.Create(Edge, c.Operation.Syntax.GetLocation(), c.ContainingSymbol.ToDisplayString(), callee.OriginalDefinition.ToDisplayString()));
        }, OperationKind.Invocation, OperationKind.Binary, OperationKind.CompoundAssignment, OperationKind.ObjectCreation, OperationKind.PropertyReference);
    }
}
