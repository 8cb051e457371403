using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>Classifies a member type into its <see cref="WireKind"/>, with its arguments or nested object shape.</summary>
internal static class WireTypeClassifier
{
    private const int MaxDepth = 16;

    /// <summary>Classifies a member type; sets <see cref="TypeShape.Problem"/> when it cannot be serialized.</summary>
    public static TypeShape Classify(ITypeSymbol type, Compilation compilation, List<INamedTypeSymbol> visiting, int depth)
    {
        if (type is IErrorTypeSymbol || type.TypeKind == TypeKind.Error)
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = "the type is not known (does it compile?)" };
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return new TypeShape(WireKind.Boolean, type);
            case SpecialType.System_Byte: return new TypeShape(WireKind.Byte, type);
            case SpecialType.System_SByte: return new TypeShape(WireKind.SByte, type);
            case SpecialType.System_Int16: return new TypeShape(WireKind.Int16, type);
            case SpecialType.System_UInt16: return new TypeShape(WireKind.UInt16, type);
            case SpecialType.System_Int32: return new TypeShape(WireKind.Int32, type);
            case SpecialType.System_UInt32: return new TypeShape(WireKind.UInt32, type);
            case SpecialType.System_Int64: return new TypeShape(WireKind.Int64, type);
            case SpecialType.System_UInt64: return new TypeShape(WireKind.UInt64, type);
            case SpecialType.System_Single: return new TypeShape(WireKind.Single, type);
            case SpecialType.System_Double: return new TypeShape(WireKind.Double, type);
            case SpecialType.System_Char: return new TypeShape(WireKind.Char, type);
            case SpecialType.System_String: return new TypeShape(WireKind.String, type);
            case SpecialType.System_Decimal: return new TypeShape(WireKind.Decimal, type);
            case SpecialType.System_DateTime: return new TypeShape(WireKind.DateTime, type);
        }

        if (depth > MaxDepth)
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = $"it nests more than {MaxDepth} levels deep" };
        }

        if (type is IArrayTypeSymbol array)
        {
            if (array.Rank != 1)
            {
                return new TypeShape(WireKind.Unsupported, type) { Problem = "multi-dimensional arrays are not supported; use an array of arrays" };
            }

            if (array.ElementType.SpecialType == SpecialType.System_Byte)
            {
                return new TypeShape(WireKind.ByteArray, type);
            }

            return WithArguments(new TypeShape(WireKind.Array, type), ImmutableArray.Create(array.ElementType), compilation, visiting, depth);
        }

        if (type is not INamedTypeSymbol named)
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = "type parameters, pointers and dynamic have no wire form" };
        }

        if (named.TypeKind == TypeKind.Enum)
        {
            return new TypeShape(WireKind.Enum, type) { EnumUnderlying = named.EnumUnderlyingType?.SpecialType ?? SpecialType.System_Int32 };
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            return WithArguments(new TypeShape(WireKind.Nullable, type), named.TypeArguments, compilation, visiting, depth);
        }

        WireKind framework = FrameworkKind(named.OriginalDefinition);
        if (framework is WireKind.List or WireKind.ReadOnlyList or WireKind.ImmutableArray or WireKind.Dictionary or WireKind.ReadOnlyDictionary)
        {
            return WithArguments(new TypeShape(framework, type), named.TypeArguments, compilation, visiting, depth);
        }

        if (framework != WireKind.Unsupported)
        {
            return new TypeShape(framework, type);
        }

        if (named.SpecialType != SpecialType.None || SymbolNames.IsUnderNamespace(named.ContainingNamespace, "System"))
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = "it is not one of the supported framework types (see the README's list)" };
        }

        if (named.TypeKind is not (TypeKind.Class or TypeKind.Struct) || named.IsAbstract || named.IsStatic)
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = "interfaces, abstract classes and delegates have no single wire form; use a concrete record or class" };
        }

        if (named.IsGenericType)
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = "generic user types are not supported" };
        }

        if (!ContractValidity.IsAccessibleInAssembly(named) || named.DeclaredAccessibility == Accessibility.Internal && !SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, compilation.Assembly))
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = "it is not accessible to the contract's assembly" };
        }

        if (Contains(visiting, named))
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = $"'{named.Name}' contains itself; recursive types are not supported" };
        }

        ObjectShape nested = ObjectShapeBuilder.Build(named, compilation, visiting, depth);
        var shape = new TypeShape(WireKind.Object, type) { Object = nested };
        if (nested.Problems.Count > 0)
        {
            shape.Problem = nested.Problems[0].Detail;
        }

        return shape;
    }

    /// <summary>
    /// The supported framework types that are not special types, by definition: a top-level type of that namespace, name
    /// and type parameters (compared part by part, not through a display string: this runs for every member on every edit).
    /// </summary>
    private static WireKind FrameworkKind(INamedTypeSymbol definition)
    {
        if (definition.ContainingType is not null)
        {
            return WireKind.Unsupported;
        }

        // Arity first: TypeParameters builds a new array on each call, so it is read only for a candidate.
        int arity = definition.Arity;
        switch (definition.Name)
        {
            case "Guid" when arity == 0 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System"): return WireKind.Guid;
            case "DateTimeOffset" when arity == 0 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System"): return WireKind.DateTimeOffset;
            case "TimeSpan" when arity == 0 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System"): return WireKind.TimeSpan;
            case "DateOnly" when arity == 0 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System"): return WireKind.DateOnly;
            case "TimeOnly" when arity == 0 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System"): return WireKind.TimeOnly;
            case "List" when arity == 1 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System.Collections.Generic") && TypeParametersAre(definition, "T", null): return WireKind.List;
            case "IReadOnlyList" when arity == 1 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System.Collections.Generic") && TypeParametersAre(definition, "T", null): return WireKind.ReadOnlyList;
            case "ImmutableArray" when arity == 1 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System.Collections.Immutable") && TypeParametersAre(definition, "T", null): return WireKind.ImmutableArray;
            case "Dictionary" when arity == 2 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System.Collections.Generic") && TypeParametersAre(definition, "TKey", "TValue"): return WireKind.Dictionary;
            case "IReadOnlyDictionary" when arity == 2 && SymbolNames.IsNamespace(definition.ContainingNamespace, "System.Collections.Generic") && TypeParametersAre(definition, "TKey", "TValue"): return WireKind.ReadOnlyDictionary;
            default: return WireKind.Unsupported;
        }
    }

    /// <summary>Whether <paramref name="type"/> is being analyzed further up: a list, as the chain is rarely more than a few deep.</summary>
    private static bool Contains(List<INamedTypeSymbol> visiting, INamedTypeSymbol type)
    {
        foreach (INamedTypeSymbol t in visiting)
        {
            if (SymbolEqualityComparer.Default.Equals(t, type))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TypeParametersAre(INamedTypeSymbol definition, string first, string? second)
    {
        ImmutableArray<ITypeParameterSymbol> parameters = definition.TypeParameters;
        return parameters[0].Name == first && (second is null || parameters[1].Name == second);
    }

    private static TypeShape WithArguments(TypeShape shape, ImmutableArray<ITypeSymbol> arguments, Compilation compilation, List<INamedTypeSymbol> visiting, int depth)
    {
        var shapes = new TypeShape[arguments.Length];
        for (int i = 0; i < shapes.Length; i++)
        {
            shapes[i] = Classify(arguments[i], compilation, visiting, depth + 1);
        }

        shape.Arguments = shapes;
        foreach (TypeShape argument in shape.Arguments)
        {
            if (argument.Problem is not null)
            {
                shape.Problem = $"'{argument.Type.ToDisplayString()}': {argument.Problem}";
                break;
            }
        }

        return shape;
    }
}
