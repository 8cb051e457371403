using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>Turns a type marked [Command], [Event] or [Query] into a <see cref="ContractSpec"/>, or null when it is not a valid contract.</summary>
internal static class ContractParser
{
    public static ContractSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type)
        {
            return null;
        }

        // A type with two contract attributes is reported by CTR006 and skipped.
        ContractKind? kind = ContractRules.KindOf(type, out int kinds);
        if (kind is null || kinds > 1)
        {
            return null;
        }

        try
        {
            return ParseValid(type, kind.Value, context.SemanticModel.Compilation, cancellationToken);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort: keep the public surface so the user sees one diagnostic, not a cascade of errors.
            return Fallback(type, kind.Value, ex);
        }
    }

    private static ContractSpec? ParseValid(INamedTypeSymbol type, ContractKind kind, Compilation compilation, CancellationToken cancellationToken)
    {
        List<ContractProblem> problems = ContractRules.Analyze(type, compilation, out ObjectShape? shape);
        cancellationToken.ThrowIfCancellationRequested();
        if (problems.Count > 0 || shape is null)
        {
            return null;
        }

        string? result = kind == ContractKind.Query ? TypeNames.Qualified(ContractRules.QueryResult(type)!) : null;
        var nested = new List<ObjectSpec>();
        var nestedNames = new HashSet<string>();
        ObjectSpec root = ToSpec(shape, "__ContractsFormatter", nested, nestedNames, compilation, cancellationToken);

        // A result the rules cannot serialize is left out, not reported: the query still works in process.
        TypeSpec? resultSpec = ContractRules.QueryResultShape(type, compilation) is { Problem: null } resultShape
            ? ToSpec(resultShape, nested, nestedNames, compilation, cancellationToken)
            : null;

        (string Name, int Version) wire = ContractRules.NameAndVersion(type);
        return new ContractSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: HintName(type),
            Containers: Containers(type),
            Keyword: Keyword(type),
            WireName: wire.Name,
            Version: wire.Version,
            Kind: kind,
            ResultType: result,
            Result: resultSpec,
            Shape: root,
            NestedObjects: nested.OrderBy(o => o.FormatterName, System.StringComparer.Ordinal).ToEquatableArray(),
            Error: null);
    }

    private static ContractSpec Fallback(INamedTypeSymbol type, ContractKind kind, System.Exception ex)
    {
        ITypeSymbol? result = kind == ContractKind.Query ? ContractRules.QueryResult(type) : null;
        (string Name, int Version) wire = ContractRules.NameAndVersion(type);
        return new ContractSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: HintName(type),
            Containers: Containers(type),
            Keyword: Keyword(type),
            WireName: wire.Name,
            Version: wire.Version,
            Kind: kind,
            ResultType: result is null ? null : TypeNames.Qualified(result),
            Result: null,
            Shape: new ObjectSpec(TypeNames.Qualified(type), "__ContractsFormatter", false, 0, EquatableArray<MemberSpec>.Empty),
            NestedObjects: EquatableArray<ObjectSpec>.Empty,
            Error: $"{ex.GetType().Name}: {ex.Message}");
    }

    private static ObjectSpec ToSpec(ObjectShape shape, string formatterName, List<ObjectSpec> nested, HashSet<string> nestedNames, Compilation compilation, CancellationToken cancellationToken)
    {
        var members = new List<MemberSpec>(shape.Members.Count);
        foreach (MemberShape member in shape.Members)
        {
            members.Add(new MemberSpec(
                Name: member.Property.Name,
                Index: member.Index,
                Type: ToSpec(member.Type, nested, nestedNames, compilation, cancellationToken),
                ParameterOrdinal: member.Parameter?.Ordinal ?? -1,
                DefaultValue: member.Parameter is { } p
                    ? (p.HasExplicitDefaultValue ? Literal(p.ExplicitDefaultValue, p.Type) : null)
                    : InitializerValue(member.Property, compilation, cancellationToken),
                IsKey: member.IsKey,
                IsRequired: member.Property.IsRequired));
        }

        return new ObjectSpec(TypeNames.Qualified(shape.Type), formatterName, shape.Type.IsValueType, shape.Length, members.ToEquatableArray());
    }

    private static TypeSpec ToSpec(TypeShape shape, List<ObjectSpec> nested, HashSet<string> nestedNames, Compilation compilation, CancellationToken cancellationToken)
    {
        string? objectFormatter = null;
        if (shape.Kind == WireKind.Object && shape.Object is { } obj)
        {
            objectFormatter = "__ContractsFormatter_" + TypeNames.Identifier(TypeNames.Text(obj.Type));
            if (nestedNames.Add(objectFormatter))
            {
                nested.Add(ToSpec(obj, objectFormatter, nested, nestedNames, compilation, cancellationToken));
            }
        }

        string? enumRead = null;
        bool signed = false;
        if (shape.Kind == WireKind.Enum)
        {
            (enumRead, signed) = shape.EnumUnderlying switch
            {
                SpecialType.System_Byte => ("ReadByte", false),
                SpecialType.System_SByte => ("ReadSByte", true),
                SpecialType.System_Int16 => ("ReadInt16", true),
                SpecialType.System_UInt16 => ("ReadUInt16", false),
                SpecialType.System_UInt32 => ("ReadUInt32", false),
                SpecialType.System_Int64 => ("ReadInt64", true),
                SpecialType.System_UInt64 => ("ReadUInt64", false),
                _ => ("ReadInt32", true),
            };
        }

        return new TypeSpec(
            shape.Kind,
            TypeNames.Qualified(shape.Type),
            Arguments(shape.Arguments, nested, nestedNames, compilation, cancellationToken),
            objectFormatter,
            enumRead,
            signed,
            shape.Type.IsReferenceType && shape.Type.NullableAnnotation == NullableAnnotation.Annotated);
    }

    // A loop, not a lambda: a lambda capturing these parameters costs a closure on every call, for every member on every edit.
    private static EquatableArray<TypeSpec> Arguments(TypeShape[] arguments, List<ObjectSpec> nested, HashSet<string> nestedNames, Compilation compilation, CancellationToken cancellationToken)
    {
        if (arguments.Length == 0)
        {
            return EquatableArray<TypeSpec>.Empty;
        }

        var specs = ImmutableArray.CreateBuilder<TypeSpec>(arguments.Length);
        foreach (TypeShape argument in arguments)
        {
            specs.Add(ToSpec(argument, nested, nestedNames, compilation, cancellationToken));
        }

        return new EquatableArray<TypeSpec>(specs.MoveToImmutable());
    }

    /// <summary>
    /// The constant initializer of a property set through the object initializer (<c>Note { get; init; } = "none"</c>),
    /// so that a message from an older writer, which lacks the member, keeps the declared default instead of <c>default</c>.
    /// A non-constant initializer (<c>= []</c>, <c>= new()</c>) cannot be copied into generated code and is not honoured.
    /// </summary>
    private static string? InitializerValue(IPropertySymbol property, Compilation compilation, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in property.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is PropertyDeclarationSyntax { Initializer.Value: { } value }
                && compilation.ContainsSyntaxTree(value.SyntaxTree))
            {
                Optional<object?> constant = compilation.GetSemanticModel(value.SyntaxTree).GetConstantValue(value, cancellationToken);
                return constant.HasValue ? Literal(constant.Value, property.Type) : null;
            }
        }

        return null;
    }

    private static string? Literal(object? value, ITypeSymbol declaredType)
    {
        if (value is null)
        {
            return "default";
        }

        // An enum's value and the small integer types need a cast; the operand is parenthesized because
        // "(global::E)-1" parses as a subtraction, not a cast.
        ITypeSymbol type = declaredType is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            ? nullable.TypeArguments[0]
            : declaredType;
        if (type.TypeKind == TypeKind.Enum || value is byte or sbyte or short or ushort)
        {
            return $"({TypeNames.Qualified(type)})({SymbolDisplay.FormatPrimitive(value, quoteStrings: false, useHexadecimalNumbers: false)})";
        }

        return value switch
        {
            string s => SyntaxFactory.Literal(s).ToString(),
            bool b => b ? "true" : "false",
            char c => SyntaxFactory.Literal(c).ToString(),
            int i => SyntaxFactory.Literal(i).ToString(),
            long l => SyntaxFactory.Literal(l).ToString(),
            uint u => SyntaxFactory.Literal(u).ToString(),
            ulong ul => SyntaxFactory.Literal(ul).ToString(),
            float f => float.IsNaN(f) ? "float.NaN" : float.IsPositiveInfinity(f) ? "float.PositiveInfinity" : float.IsNegativeInfinity(f) ? "float.NegativeInfinity" : SyntaxFactory.Literal(f).ToString(),
            double d => double.IsNaN(d) ? "double.NaN" : double.IsPositiveInfinity(d) ? "double.PositiveInfinity" : double.IsNegativeInfinity(d) ? "double.NegativeInfinity" : SyntaxFactory.Literal(d).ToString(),
            decimal m => SyntaxFactory.Literal(m).ToString(),
            _ => "default",
        };
    }

    private static string HintName(INamedTypeSymbol type)
    {
        // Plain text (no @ escapes: a hint name allows letters, digits, '.', '_', '-', ',', '+', ' ', '(', ')', '[', ']', '{', '}', '~').
        return "Contracts." + TypeNames.Text(type).Replace('<', '_').Replace('>', '_') + ".g.cs";
    }

    private static EquatableArray<ContainerSpec> Containers(INamedTypeSymbol type)
    {
        var containers = new List<ContainerSpec>();
        for (INamedTypeSymbol? c = type.ContainingType; c is not null; c = c.ContainingType)
        {
            containers.Insert(0, new ContainerSpec(Keyword(c), c.Name));
        }

        return containers.ToEquatableArray();
    }

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
