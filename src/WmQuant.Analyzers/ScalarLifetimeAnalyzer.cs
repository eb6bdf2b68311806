using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace WmQuant.Analyzers;

/// <summary>
/// Reports TorchSharp Scalars that nothing keeps alive while libtorch reads them.
/// </summary>
/// <remarks>
/// TorchSharp turns the number in <c>x * 0.5</c>, <c>x.clamp(0, 1)</c> or <c>torch.full(shape, 2.0)</c> into a native
/// Scalar, passes its handle to libtorch and leaves the object to the finalizer. Once the handle is read nothing
/// references the object, so a collection triggered by another thread can finalize it, and free the native Scalar,
/// before libtorch has read the value: the operation then fails with "Expected false to be true" or reads freed memory.
/// It happened in CI (a test helper's <c>x * 0.02</c>). Some TorchSharp members make such a Scalar themselves, even
/// <c>a + b</c> (its alpha 1) and <c>square()</c>; they are listed in TorchSharpScalarMakers.txt. WQA0001 asks for
/// <c>WmQuant.Runtime.ScalarOps</c> or a Scalar held by <c>using</c> (or a static field); WQA0002 asks for
/// <c>WmQuant.Training.AdamWOptimizer</c> instead of TorchSharp's optimizers, whose <c>step()</c> makes such Scalars.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScalarLifetimeAnalyzer : DiagnosticAnalyzer
{
    /// <summary>A Scalar made from a number with nothing to dispose it.</summary>
    public const string UnownedScalarId = "WQA0001";

    /// <summary>A TorchSharp optimizer, whose step makes unowned Scalars inside TorchSharp.</summary>
    public const string OptimizerId = "WQA0002";

    private const string Category = "Reliability";

    /// <summary>TorchSharp members (display strings of their definitions) that make unowned Scalars themselves.</summary>
    private static readonly Lazy<HashSet<string>> ScalarMakers = new(LoadScalarMakers);

    /// <summary>What replaces the members most code calls.</summary>
    private static readonly Dictionary<string, string> Replacements = new(StringComparer.Ordinal)
    {
        ["TorchSharp.torch.Tensor.operator +(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor)"] = "ScalarOps.Add",
        ["TorchSharp.torch.Tensor.add(TorchSharp.torch.Tensor)"] = "ScalarOps.Add",
        ["TorchSharp.torch.Tensor.add(TorchSharp.Scalar)"] = "ScalarOps.Add",
        ["TorchSharp.torch.Tensor.add_(TorchSharp.torch.Tensor)"] = "ScalarOps.AddInPlace",
        ["TorchSharp.torch.Tensor.add_(TorchSharp.Scalar)"] = "ScalarOps.AddInPlace",
        ["TorchSharp.torch.Tensor.square()"] = "ScalarOps.Pow(2)",
        ["TorchSharp.torch.arange(TorchSharp.Scalar, TorchSharp.torch.ScalarType?, TorchSharp.torch.Device?, bool)"] = "ScalarOps.Arange",
        ["TorchSharp.TensorExtensionMethods.ToSingle(TorchSharp.torch.Tensor)"] = "item<float>()",
        ["TorchSharp.TensorExtensionMethods.ToDouble(TorchSharp.torch.Tensor)"] = "item<double>()",
        ["TorchSharp.TensorExtensionMethods.ToInt64(TorchSharp.torch.Tensor)"] = "item<long>()",
        ["TorchSharp.torch.Tensor.explicit operator float(TorchSharp.torch.Tensor)"] = "item<float>()",
        ["TorchSharp.torch.Tensor.explicit operator double(TorchSharp.torch.Tensor)"] = "item<double>()",
    };

    private static readonly DiagnosticDescriptor UnownedScalar = new(
        UnownedScalarId,
        "A TorchSharp Scalar is left to the finalizer",
        "{0} makes a native Scalar that only the finalizer frees, possibly while libtorch still reads it; use {1}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "TorchSharp does not dispose the Scalars it makes from numbers. Use WmQuant.Runtime.ScalarOps, "
            + "which disposes them after the call, or hold the Scalar in a using declaration.");

    private static readonly DiagnosticDescriptor Optimizer = new(
        OptimizerId,
        "A TorchSharp optimizer makes Scalars it does not dispose",
        "torch.optim.{0} updates parameters with Scalars that only the finalizer frees; use WmQuant.Training.AdamWOptimizer",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(UnownedScalar, Optimizer);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var tensor = start.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            var scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
            var optim = start.Compilation.GetTypeByMetadataName("TorchSharp.torch+optim");
            if (tensor is null || scalar is null)
            {
                return;
            }

            start.RegisterOperationAction(c => CheckOperator(c, tensor), OperationKind.Binary, OperationKind.CompoundAssignment);
            start.RegisterOperationAction(c => CheckConversion(c, scalar), OperationKind.Conversion);
            start.RegisterOperationAction(c => CheckInvocation(c, scalar, optim), OperationKind.Invocation);
            start.RegisterOperationAction(CheckMemberUse, OperationKind.PropertyReference, OperationKind.ObjectCreation);
        });
    }

    private static void CheckOperator(OperationAnalysisContext context, INamedTypeSymbol tensor)
    {
        var (method, kind) = context.Operation switch
        {
            IBinaryOperation binary => (binary.OperatorMethod, binary.OperatorKind),
            ICompoundAssignmentOperation compound => (compound.OperatorMethod, compound.OperatorKind),
            _ => (null, BinaryOperatorKind.None),
        };
        if (method is null || !SymbolEqualityComparer.Default.Equals(method.ContainingType, tensor) || method.Parameters.Length != 2)
        {
            return;
        }

        bool numberLeft = IsNumber(method.Parameters[0].Type);
        if (!numberLeft && !IsNumber(method.Parameters[1].Type))
        {
            CheckScalarMaker(context, method);
            return;
        }

        string name = kind switch
        {
            BinaryOperatorKind.Add => "Add",
            BinaryOperatorKind.Subtract => numberLeft ? "RSub" : "Sub",
            BinaryOperatorKind.Multiply => "Mul",
            BinaryOperatorKind.Divide => numberLeft ? "RDiv" : "Div",
            _ => "a Scalar held by using",
        };
        string fix = name.StartsWith("a ", System.StringComparison.Ordinal) ? name : "ScalarOps." + name;
        Report(context, UnownedScalar, $"'{context.Operation.Syntax}'", fix);
    }

    private static void CheckConversion(OperationAnalysisContext context, INamedTypeSymbol scalar)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (conversion.OperatorMethod is null)
        {
            return;
        }

        if (!SymbolEqualityComparer.Default.Equals(conversion.Type, scalar))
        {
            // (float)tensor and the like go through a Scalar TorchSharp leaves to the finalizer.
            CheckScalarMaker(context, conversion.OperatorMethod);
            return;
        }

        if (IsOwned(conversion))
        {
            return;
        }

        string what = conversion.Parent?.Parent is IInvocationOperation call
            ? $"Passing {conversion.Operand.Type?.ToDisplayString() ?? "a number"} to {call.TargetMethod.Name}"
            : $"Converting '{conversion.Operand.Syntax}' to Scalar";
        Report(context, UnownedScalar, what, "the ScalarOps method of that name, or a Scalar held by using");
    }

    private static void CheckInvocation(OperationAnalysisContext context, INamedTypeSymbol scalar, INamedTypeSymbol? optim)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (optim is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, optim))
        {
            Report(context, Optimizer, method.Name);
            return;
        }

        if (SymbolEqualityComparer.Default.Equals(method.ReturnType, scalar)
            && method.ContainingAssembly?.Name == "TorchSharp"
            && !IsOwned(invocation))
        {
            Report(context, UnownedScalar, $"'{invocation.Syntax}'", "a using declaration for the Scalar");
            return;
        }

        CheckScalarMaker(context, method);
    }

    private static void CheckMemberUse(OperationAnalysisContext context)
    {
        var method = context.Operation switch
        {
            IPropertyReferenceOperation property => property.Property.GetMethod,
            IObjectCreationOperation creation => creation.Constructor,
            _ => null,
        };
        if (method is not null)
        {
            CheckScalarMaker(context, method);
        }
    }

    /// <summary>Reports a TorchSharp member that makes an unowned Scalar inside TorchSharp.</summary>
    private static void CheckScalarMaker(OperationAnalysisContext context, IMethodSymbol method)
    {
        if (method.ContainingAssembly?.Name != "TorchSharp")
        {
            return;
        }

        string name = method.OriginalDefinition.ToDisplayString();
        if (!ScalarMakers.Value.Contains(name))
        {
            return;
        }

        string fix = Replacements.TryGetValue(name, out var replacement)
            ? replacement
            : "code that holds its Scalars (WmQuant.Runtime.ScalarOps shows how)";
        Report(context, UnownedScalar, $"'{context.Operation.Syntax}' ({name}, inside TorchSharp)", fix);
    }

    private static HashSet<string> LoadScalarMakers()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var stream = typeof(ScalarLifetimeAnalyzer).Assembly.GetManifestResourceStream("WmQuant.Analyzers.TorchSharpScalarMakers.txt")
            ?? throw new InvalidOperationException("TorchSharpScalarMakers.txt is not embedded in the analyzer.");
        using var reader = new StreamReader(stream);
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            if (line.Length > 0 && line[0] != '#')
            {
                names.Add(line);
            }
        }

        return names;
    }

    /// <summary>
    /// Whether <paramref name="value"/> initialises a variable of a <c>using</c> declaration or statement, or a static
    /// read-only field (which keeps it for the life of the process).
    /// </summary>
    private static bool IsOwned(IOperation value)
    {
        if (value.Parent is IFieldInitializerOperation field && field.InitializedFields.All(f => f.IsStatic && f.IsReadOnly))
        {
            return true;
        }

        var group = value.Parent is IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Parent: IVariableDeclarationOperation declaration } }
            ? declaration.Parent
            : null;
        return group is IVariableDeclarationGroupOperation { Parent: IUsingDeclarationOperation or IUsingOperation };
    }

    private static bool IsNumber(ITypeSymbol type) => type.SpecialType is SpecialType.System_Byte or SpecialType.System_SByte
        or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32
        or SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Single or SpecialType.System_Double
        or SpecialType.System_Boolean;

    private static void Report(OperationAnalysisContext context, DiagnosticDescriptor rule, params object[] arguments) =>
        context.ReportDiagnostic(Diagnostic.Create(rule, context.Operation.Syntax.GetLocation(), arguments));
}
