using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Contracts.CodeAnalysis;
using Contracts.Generator.Emit.WireTypes;
using Contracts.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>Turns a type marked [Command], [Event] or [Query] into a <see cref="ContractSpec"/>, or null when it is not a valid contract.</summary>
internal static class ContractParser
{
    private static readonly ContractParse s_nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

    /// <summary>
    /// The contract's spec and its diagnostics. A contract with problems gets the diagnostics that explain them and, where
    /// its declaration allows a partial (a member that cannot be serialized, a bad key, a query without a result), the
    /// marker surface without a formatter, so its handlers and senders still compile and the user sees one diagnostic
    /// per mistake instead of CS0311 on every handler.
    /// </summary>
    public static ContractParse Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type)
        {
            return s_nothing;
        }

        ContractKind? kind = ContractKinds.KindOf(type, out int kinds);
        if (kind is null || !IsFirstReport(context, type, kind.Value, cancellationToken))
        {
            return s_nothing;
        }

        try
        {
            return ParseContract(type, kind.Value, kinds, context.SemanticModel.Compilation, cancellationToken);
        }
        catch (System.Exception ex) when (ex is not System.OperationCanceledException)
        {
            // Last resort: keep the public surface so the user sees one diagnostic, not a cascade of errors.
            return new ContractParse(Fallback(type, kind.Value, ex), EquatableArray<DiagnosticInfo>.Empty);
        }
    }

    /// <summary>
    /// Whether this attribute and declaration are the ones that speak for the type: a type marked twice (CTR006) is seen by
    /// two of the three attribute steps, and a partial type marked in two declarations once per declaration; only the
    /// first kind's step, on the first marked declaration, parses it, so nothing is generated or reported twice.
    /// </summary>
    private static bool IsFirstReport(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, ContractKind kind, CancellationToken cancellationToken)
    {
        if (context.Attributes.Length == 0 || ContractKinds.KindOfAttribute(context.Attributes[0].AttributeClass) != kind)
        {
            return false;
        }

        ImmutableArray<SyntaxReference> references = type.DeclaringSyntaxReferences;
        if (references.Length < 2)
        {
            return true;
        }

        foreach (SyntaxReference reference in references)
        {
            if (reference.GetSyntax(cancellationToken) is MemberDeclarationSyntax marked && HasContractAttributeSyntax(marked))
            {
                return marked == context.TargetNode;
            }
        }

        // Marked through an alias syntax cannot see: every declaration speaks (rare, and at worst a duplicate).
        return true;
    }

    private static bool HasContractAttributeSyntax(MemberDeclarationSyntax declaration)
    {
        foreach (AttributeListSyntax list in declaration.AttributeLists)
        {
            foreach (AttributeSyntax attribute in list.Attributes)
            {
                string name = HandlerRule.LastName(attribute.Name)?.Identifier.ValueText ?? "";
                if (name is "Command" or "Event" or "Query" or "CommandAttribute" or "EventAttribute" or "QueryAttribute")
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static ContractParse ParseContract(INamedTypeSymbol type, ContractKind kind, int kinds, Compilation compilation, CancellationToken cancellationToken)
    {
        List<ContractProblem> problems = ContractValidity.Analyze(type, compilation, out ObjectShape? shape);
        cancellationToken.ThrowIfCancellationRequested();
        if (problems.Count == 0 && shape is not null)
        {
            return new ContractParse(ParseValid(type, kind, shape, compilation, cancellationToken), EquatableArray<DiagnosticInfo>.Empty);
        }

        // The type itself passed (the shape was built) and is of one kind: the compiler accepts a generated partial of it.
        bool surface = kinds == 1 && shape is not null;
        ImmutableArray<DiagnosticInfo>.Builder diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>(problems.Count);
        foreach (ContractProblem problem in problems)
        {
            (string id, string? fix) = problem.Kind switch
            {
                ContractProblemKind.NotGeneratable => (DiagnosticIds.NotGeneratable, NeedsPartial(type) ? DiagnosticIds.FixMakePartial : null),
                ContractProblemKind.UnserializableMember => (DiagnosticIds.UnserializableMember, (string?)null),
                ContractProblemKind.SeveralKinds => (DiagnosticIds.SeveralKinds, null),
                ContractProblemKind.QueryWithoutResult => (DiagnosticIds.QueryResult, DiagnosticIds.FixAddQueryInterface),
                _ => (DiagnosticIds.UnsupportedKey, null),
            };

            diagnostics.Add(new DiagnosticInfo(
                id,
                LocationInfo.From(Locations.Of(problem.Symbol, type)),
                new EquatableArray<string>(ImmutableArray.Create(problem.Detail)),
                fix));
        }

        ContractSpec? spec = surface ? Surface(type, kind, problems[0].Detail) : null;
        return new ContractParse(spec, new EquatableArray<DiagnosticInfo>(diagnostics.MoveToImmutable()));
    }

    /// <summary>Whether being partial is what the type (or a type containing it) lacks.</summary>
    private static bool NeedsPartial(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (!ContractValidity.IsPartial(t))
            {
                return true;
            }
        }

        return false;
    }

    private static ContractSpec ParseValid(INamedTypeSymbol type, ContractKind kind, ObjectShape shape, Compilation compilation, CancellationToken cancellationToken)
    {
        string? result = kind == ContractKind.Query ? TypeNames.Qualified(ContractKinds.QueryResult(type)!) : null;
        var nested = new Nested();
        ObjectSpec root = ToSpec(shape, "__ContractsFormatter", nested, compilation, cancellationToken);

        // A result the rules cannot serialize is left out, not reported: the query still works in process.
        TypeSpec? resultSpec = kind == ContractKind.Query && ContractValidity.QueryResultShape(type, compilation) is { Problem: null } resultShape
            ? ToSpec(resultShape, nested, compilation, cancellationToken)
            : null;

        // One spelling of the type as text serves the hint name and the default wire name.
        string text = TypeNames.Text(type);
        (string Name, int Version) wire = ContractKinds.NameAndVersion(type, text);
        return new ContractSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: HintName(text),
            Containers: Containers(type),
            Keyword: Keyword(type),
            WireName: wire.Name,
            Version: wire.Version,
            Kind: kind,
            ResultType: result,
            Result: resultSpec,
            Shape: root,
            NestedObjects: nested.ToSortedArray(),
            NestedEnums: nested.ToSortedEnums(),
            Error: null);
    }

    /// <summary>The marker surface of a contract with reported problems: no formatter, never in the catalog, handlers not wired.</summary>
    private static ContractSpec Surface(INamedTypeSymbol type, ContractKind kind, string problem) =>
        Fallback(type, kind, null) with { Blocked = problem };

    private static ContractSpec Fallback(INamedTypeSymbol type, ContractKind kind, System.Exception? ex)
    {
        ITypeSymbol? result = kind == ContractKind.Query ? ContractKinds.QueryResult(type) : null;
        (string Name, int Version) wire = ContractKinds.NameAndVersion(type);
        return new ContractSpec(
            Namespace: TypeNames.Namespace(type.ContainingNamespace),
            Name: type.Name,
            FullyQualifiedName: TypeNames.Qualified(type),
            HintName: HintName(TypeNames.Text(type)),
            Containers: Containers(type),
            Keyword: Keyword(type),
            WireName: wire.Name,
            Version: wire.Version,
            Kind: kind,
            ResultType: result is null ? null : TypeNames.Qualified(result),
            Result: null,
            Shape: new ObjectSpec(TypeNames.Qualified(type), "__ContractsFormatter", false, 0, EquatableArray<MemberSpec>.Empty),
            NestedObjects: EquatableArray<ObjectSpec>.Empty,
            NestedEnums: EquatableArray<EnumSpec>.Empty,
            Error: ex is null ? null : $"{ex.GetType().Name}: {ex.Message}");
    }

    private static ObjectSpec ToSpec(ObjectShape shape, string formatterName, Nested nested, Compilation compilation, CancellationToken cancellationToken)
    {
        // Sized once and handed over without a copy: this runs for every contract on every edit.
        ImmutableArray<MemberSpec>.Builder members = ImmutableArray.CreateBuilder<MemberSpec>(shape.Members.Count);
        foreach (MemberShape member in shape.Members)
        {
            members.Add(new MemberSpec(
                Name: member.Property.Name,
                Index: member.Index,
                Type: ToSpec(member.Type, nested, compilation, cancellationToken),
                ParameterOrdinal: member.Parameter?.Ordinal ?? -1,
                DefaultValue: member.Parameter is { } p
                    ? (p.HasExplicitDefaultValue ? Literal(p.ExplicitDefaultValue, p.Type) : null)
                    : InitializerValue(member.Property, compilation, cancellationToken),
                IsKey: member.IsKey,
                IsRequired: member.Property.IsRequired));
        }

        return new ObjectSpec(TypeNames.Qualified(shape.Type), formatterName, shape.Type.IsValueType, shape.Length, new EquatableArray<MemberSpec>(members.MoveToImmutable()));
    }

    private static TypeSpec ToSpec(TypeShape shape, Nested nested, Compilation compilation, CancellationToken cancellationToken)
    {
        string? nestedFormatter = null;
        if (shape.Kind == WireKind.Object && shape.Object is { } obj)
        {
            nestedFormatter = TypeNames.Identifier("__ContractsFormatter_", TypeNames.Text(obj.Type));
            if (nested.Reserve(nestedFormatter))
            {
                nested.Add(ToSpec(obj, nestedFormatter, nested, compilation, cancellationToken));
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
            nestedFormatter = TypeNames.Identifier("__ContractsFormatter_", TypeNames.Text(shape.Type));
            if (nested.Reserve(nestedFormatter))
            {
                string? check = shape.Type is INamedTypeSymbol named ? EnumChecks.For(named, shape.EnumUnderlying) : null;
                nested.Add(new EnumSpec(TypeNames.Qualified(shape.Type), nestedFormatter, enumRead, signed, check));
            }
        }

        return new TypeSpec(
            shape.Kind,
            WireTypeTable.For(shape.Kind).TypeName ?? TypeNames.Qualified(shape.Type), // as Qualified spells it, without spelling it per member
            Arguments(shape.Arguments, nested, compilation, cancellationToken),
            nestedFormatter,
            enumRead,
            signed,
            RejectsNil: shape.Type.IsReferenceType && shape.Type.NullableAnnotation == NullableAnnotation.NotAnnotated);
    }

    // A loop, not a lambda: a lambda capturing these parameters costs a closure on every call, for every member on every edit.
    private static EquatableArray<TypeSpec> Arguments(TypeShape[] arguments, Nested nested, Compilation compilation, CancellationToken cancellationToken)
    {
        if (arguments.Length == 0)
        {
            return EquatableArray<TypeSpec>.Empty;
        }

        ImmutableArray<TypeSpec>.Builder specs = ImmutableArray.CreateBuilder<TypeSpec>(arguments.Length);
        foreach (TypeShape argument in arguments)
        {
            specs.Add(ToSpec(argument, nested, compilation, cancellationToken));
        }

        return new EquatableArray<TypeSpec>(specs.MoveToImmutable());
    }

    /// <summary>
    /// The nested records, classes and enums of one contract, each once: a formatter name is reserved before its members are
    /// walked. Lists, not sets, and created only when a contract has one: a contract has a few at most.
    /// </summary>
    private sealed class Nested
    {
        private List<string>? _reserved;
        private List<ObjectSpec>? _specs;
        private List<EnumSpec>? _enums;

        public bool Reserve(string formatterName)
        {
            _reserved ??= new List<string>(2);
            foreach (string reserved in _reserved)
            {
                if (string.Equals(reserved, formatterName, System.StringComparison.Ordinal))
                {
                    return false;
                }
            }

            _reserved.Add(formatterName);
            return true;
        }

        public void Add(ObjectSpec spec) => (_specs ??= new List<ObjectSpec>(2)).Add(spec);

        public void Add(EnumSpec spec) => (_enums ??= new List<EnumSpec>(2)).Add(spec);

        /// <summary>Ordered by formatter name (each is unique), so the output does not depend on member order.</summary>
        public EquatableArray<ObjectSpec> ToSortedArray() => Sorted(_specs, static (a, b) => string.CompareOrdinal(a.FormatterName, b.FormatterName));

        /// <summary>Ordered by formatter name, as <see cref="ToSortedArray"/>.</summary>
        public EquatableArray<EnumSpec> ToSortedEnums() => Sorted(_enums, static (a, b) => string.CompareOrdinal(a.FormatterName, b.FormatterName));

        private static EquatableArray<T> Sorted<T>(List<T>? specs, System.Comparison<T> byName)
            where T : System.IEquatable<T>
        {
            if (specs is null)
            {
                return EquatableArray<T>.Empty;
            }

            specs.Sort(byName);
            return new EquatableArray<T>(ImmutableArray.CreateRange(specs));
        }
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

    private static string HintName(string text)
    {
        // Plain text (no @ escapes: a hint name allows letters, digits, '.', '_', '-', ',', '+', ' ', '(', ')', '[', ']', '{', '}', '~').
        return "Contracts." + text.Replace('<', '_').Replace('>', '_') + ".g.cs";
    }

    private static EquatableArray<ContainerSpec> Containers(INamedTypeSymbol type)
    {
        if (type.ContainingType is null)
        {
            return EquatableArray<ContainerSpec>.Empty;
        }

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
