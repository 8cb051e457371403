using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The one projection rule, for the generator (which generates projections and reports what stops it) and any analyzer
/// that needs it. A projection is a class marked [Projection]; the events it reads are the type arguments of the
/// IProjection&lt;TEvent&gt; interfaces it implements, each an [Event] contract.
/// </summary>
internal static class ProjectionRules
{
    public const string ProjectionAttribute = "Contracts.ProjectionAttribute";
    public const string ProjectionAttributeName = "ProjectionAttribute";
    public const string ProjectionInterfaceName = "IProjection";
    public const string RebuildableName = "IRebuildableProjection";

    public static bool IsProjectionAttribute(INamedTypeSymbol? attribute) =>
        attribute is { Name: ProjectionAttributeName } && WellKnownNames.IsRuntimeType(attribute);

    /// <summary>The stored name: [Projection(Name = ...)] or the class's name.</summary>
    public static string StoredName(INamedTypeSymbol type)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (IsProjectionAttribute(attribute.AttributeClass))
            {
                foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
                {
                    if (named.Key == "Name" && named.Value.Value is string name && name.Trim().Length > 0)
                    {
                        return name;
                    }
                }
            }
        }

        return type.Name;
    }

    /// <summary>The TEvent of every IProjection&lt;TEvent&gt; the type implements, in declaration order, without repeats.</summary>
    public static List<ITypeSymbol> ReadEvents(INamedTypeSymbol type)
    {
        var events = new List<ITypeSymbol>();
        foreach (INamedTypeSymbol face in type.AllInterfaces)
        {
            if (face is { Name: ProjectionInterfaceName, Arity: 1 } && WellKnownNames.IsRuntimeType(face.OriginalDefinition))
            {
                ITypeSymbol read = face.TypeArguments[0];
                bool seen = false;
                foreach (ITypeSymbol e in events)
                {
                    seen |= SymbolEqualityComparer.Default.Equals(e, read);
                }

                if (!seen)
                {
                    events.Add(read);
                }
            }
        }

        return events;
    }

    /// <summary>Whether the type implements IRebuildableProjection (it can be rebuilt).</summary>
    public static bool IsRebuildable(INamedTypeSymbol type)
    {
        foreach (INamedTypeSymbol face in type.AllInterfaces)
        {
            if (face is { Name: RebuildableName, Arity: 0 } && WellKnownNames.IsRuntimeType(face))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Why a [Projection] type cannot be generated, or null.</summary>
    public static string? WhyNotGeneratable(INamedTypeSymbol type)
    {
        if (type.Name.Length == 0)
        {
            return "the type has no name yet";
        }

        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            return $"'{type.Name}' is not a class; a projection is a partial class";
        }

        if (type.IsAbstract || type.IsStatic)
        {
            return $"'{type.Name}' is {(type.IsStatic ? "static" : "abstract")}; a projection is created for each batch of events";
        }

        if (type.IsGenericType)
        {
            return $"'{type.Name}' is generic; a projection has one stored name and checkpoint, so it cannot have type parameters";
        }

        if (!ContractValidity.IsPartial(type))
        {
            return $"'{type.Name}' is not partial; the generator adds its registration in a partial declaration";
        }

        for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            if (container.IsGenericType || !ContractValidity.IsPartial(container))
            {
                return $"'{type.Name}' is nested in '{container.Name}', which is {(container.IsGenericType ? "generic" : "not partial")}";
            }
        }

        if (!ContractValidity.IsAccessibleInAssembly(type))
        {
            return $"'{type.Name}' is private or protected; a projection must be at least internal";
        }

        return null;
    }
}
