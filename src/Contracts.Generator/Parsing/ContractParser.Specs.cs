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

/// <summary>The checked shapes of a contract turned into equatable specs: types, nested objects and enums, member defaults.</summary>
internal static partial class ContractParser
{
    private static ObjectSpec ToSpec(ObjectShape shape, string formatterName, Nested nested, Compilation compilation, CancellationToken cancellationToken)
    {
        nested.Dependencies?.Add(shape.Type);

        // Sized once and handed over without a copy.
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
                IsPartitionKey: member.IsPartitionKey,
                IsRequired: member.Property.IsRequired));
        }

        return new ObjectSpec(TypeNames.Qualified(shape.Type), formatterName, shape.Type.IsValueType, shape.Length, new EquatableArray<MemberSpec>(members.MoveToImmutable()));
    }

    private static TypeSpec ToSpec(TypeShape shape, Nested nested, Compilation compilation, CancellationToken cancellationToken)
    {
        nested.Dependencies?.Add(shape.Type);
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

        /// <summary>Where the types walked are declared, when the parse is kept for reuse.</summary>
        public ParseDependencies? Dependencies { get; init; }

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
}
