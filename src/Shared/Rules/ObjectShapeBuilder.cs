using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>Builds the wire shape of a record or class: its constructor, its members in wire order and their [MemberIndex] pins.</summary>
internal static class ObjectShapeBuilder
{
    /// <summary>The shape of <paramref name="type"/>; <paramref name="visiting"/> holds the types being built further up, to refuse recursion.</summary>
    public static ObjectShape Build(INamedTypeSymbol type, Compilation compilation, List<INamedTypeSymbol> visiting, int depth)
    {
        var shape = new ObjectShape(type);
        visiting.Add(type);
        try
        {
            // Public instance properties, base types first. A linear search, not a set: a message has a handful of
            // properties, and this runs for every contract on every edit.
            // GetMembers builds a new array on each call: the type's own members are read once, for properties and constructors.
            var properties = new List<IPropertySymbol>(8);
            ImmutableArray<ISymbol> members = type.GetMembers();
            if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType)
            {
                AddProperties(baseType, properties);
            }

            AddProperties(members, properties);
            // Being typed: "record R(int A, string? )" declares a property without a name; nothing can be generated for it yet.
            foreach (IPropertySymbol property in properties)
            {
                if (property.Name.Length == 0)
                {
                    shape.Problems.Add(new ContractProblem(ContractProblemKind.NotGeneratable, $"'{type.Name}' has a member without a name yet", type));
                    return shape;
                }
            }

            shape.Constructor = ChooseConstructor(type, members, properties, out ImmutableArray<IParameterSymbol> parameters);
            if (shape.Constructor is null)
            {
                shape.Problems.Add(new ContractProblem(ContractProblemKind.NotGeneratable, $"'{type.Name}' has no public constructor whose parameters all name its properties", type));
                return shape;
            }

            List<MemberShape> ordered = shape.Members;
            ordered.Capacity = properties.Count;
            bool anyPinned = false;
            foreach (IPropertySymbol property in properties)
            {
                // The setter is read only for a member no constructor parameter binds: each symbol read here is likely a
                // cache miss, for every member of every contract on every edit.
                IParameterSymbol? parameter = BoundParameter(parameters, property.Name);
                if (parameter is null && property.SetMethod is not { DeclaredAccessibility: Accessibility.Public })
                {
                    // Computed or get-only: not part of the message's state. A key on it would be computed on the sender only
                    // and silence CTR002 while the generated key leaves it out.
                    bool idempotencyKey = HasKeyAttribute(property, out bool partitionKey);
                    if (depth == 0 && idempotencyKey)
                    {
                        shape.Problems.Add(new ContractProblem(ContractProblemKind.UnsupportedKey, $"[IdempotencyKey] member '{type.Name}.{property.Name}' is computed or get-only, so it is not on the wire and the key leaves it out; key on a member the constructor or an init accessor sets", property));
                    }

                    if (depth == 0 && partitionKey)
                    {
                        shape.Problems.Add(new ContractProblem(ContractProblemKind.UnsupportedPartitionKey, $"[PartitionKey] member '{type.Name}.{property.Name}' is computed or get-only, so it is not on the wire and a receiver cannot compute the key; key on a member the constructor or an init accessor sets", property));
                    }

                    continue;
                }

                ITypeSymbol propertyType = property.Type;
                TypeShape typeShape = WireTypeClassifier.Classify(propertyType, compilation, visiting, depth + 1);
                var member = new MemberShape(property, typeShape) { Parameter = parameter };
                if (typeShape.Problem is not null)
                {
                    shape.Problems.Add(new ContractProblem(ContractProblemKind.UnserializableMember, $"member '{type.Name}.{property.Name}' of type '{propertyType.ToDisplayString()}' cannot be serialized: {typeShape.Problem}", property));
                }

                FindAttributes(property, parameter, out bool isKey, out bool isPartitionKey, out AttributeData? pinned);
                if (isPartitionKey && depth == 0)
                {
                    member.IsPartitionKey = true;
                    if (!WireKinds.IsKey(typeShape))
                    {
                        shape.Problems.Add(new ContractProblem(ContractProblemKind.UnsupportedPartitionKey, $"[PartitionKey] member '{type.Name}.{property.Name}' is a '{propertyType.ToDisplayString()}'; a partition key member must be a string, integer, bool, char, enum, Guid, date, time or decimal, whose value hashes the same in every process", property));
                    }
                }

                if (isKey)
                {
                    member.IsKey = true;
                    if (!WireKinds.IsKey(typeShape))
                    {
                        shape.Problems.Add(new ContractProblem(ContractProblemKind.UnsupportedKey, $"[IdempotencyKey] member '{type.Name}.{property.Name}' is a '{propertyType.ToDisplayString()}'; a key member must be a string, integer, bool, char, enum, Guid, date, time or decimal", property));
                    }
                }

                if (pinned is { ConstructorArguments.Length: 1 } && pinned.ConstructorArguments[0].Value is int index)
                {
                    anyPinned = true;
                    member.Index = index;
                    if (index < 0 || index > 255)
                    {
                        shape.Problems.Add(new ContractProblem(ContractProblemKind.UnserializableMember, $"[MemberIndex({index})] on '{type.Name}.{property.Name}' is out of range (0 to 255)", property));
                    }
                }

                ordered.Add(member);
            }

            // Constructor-bound members first, in parameter order (a positional record's declaration order), then the
            // rest in declaration order: a stable sort by parameter ordinal, as the members were added in declaration order.
            for (int i = 1; i < ordered.Count; i++)
            {
                MemberShape current = ordered[i];
                int ordinal = current.Parameter?.Ordinal ?? int.MaxValue;
                int j = i - 1;
                for (; j >= 0 && (ordered[j].Parameter?.Ordinal ?? int.MaxValue) > ordinal; j--)
                {
                    ordered[j + 1] = ordered[j];
                }

                ordered[j + 1] = current;
            }

            if (!anyPinned)
            {
                // Nothing pinned (the usual case): the indexes are the positions.
                for (int i = 0; i < ordered.Count; i++)
                {
                    ordered[i].Index = i;
                }

                return shape;
            }

            var taken = new HashSet<int>();
            foreach (MemberShape member in ordered)
            {
                if (member.Index >= 0 && !taken.Add(member.Index))
                {
                    shape.Problems.Add(new ContractProblem(ContractProblemKind.UnserializableMember, $"two members of '{type.Name}' are pinned to [MemberIndex({member.Index})]", member.Property));
                }
            }

            int next = 0;
            foreach (MemberShape member in ordered)
            {
                if (member.Index < 0)
                {
                    while (taken.Contains(next))
                    {
                        next++;
                    }

                    member.Index = next;
                    taken.Add(next);
                }
            }

            ordered.Sort(static (a, b) => a.Index.CompareTo(b.Index));
            return shape;
        }
        finally
        {
            visiting.RemoveAt(visiting.Count - 1);
        }
    }

    /// <summary>The public instance properties of <paramref name="type"/> and its base types, base types first; a name seen once.</summary>
    private static void AddProperties(INamedTypeSymbol type, List<IPropertySymbol> properties)
    {
        if (type.BaseType is { SpecialType: not SpecialType.System_Object } baseType)
        {
            AddProperties(baseType, properties);
        }

        AddProperties(type.GetMembers(), properties);
    }

    private static void AddProperties(ImmutableArray<ISymbol> members, List<IPropertySymbol> properties)
    {
        foreach (ISymbol member in members)
        {
            // Kind first: a virtual call, cheaper than an interface type test on every field and method of a record.
            if (member.Kind == SymbolKind.Property
                && member is IPropertySymbol { IsStatic: false, IsIndexer: false, DeclaredAccessibility: Accessibility.Public, GetMethod: not null } property
                && !property.IsOverride
                && !HasPropertyNamed(properties, property.Name))
            {
                properties.Add(property);
            }
        }
    }

    /// <summary>
    /// Whether the property (or else the constructor parameter that binds it) carries [IdempotencyKey] and
    /// [PartitionKey], and its [MemberIndex] (the property's first, else the parameter's): one pass over each attribute list.
    /// </summary>
    private static void FindAttributes(IPropertySymbol property, IParameterSymbol? parameter, out bool isKey, out bool isPartitionKey, out AttributeData? pinned)
    {
        isKey = false;
        isPartitionKey = false;
        pinned = null;
        FindAttributes(property.GetAttributes(), ref isKey, ref isPartitionKey, ref pinned);
        if (parameter is not null)
        {
            FindAttributes(parameter.GetAttributes(), ref isKey, ref isPartitionKey, ref pinned);
        }
    }

    /// <summary>Whether the property carries [IdempotencyKey]; <paramref name="isPartitionKey"/> says whether it carries [PartitionKey].</summary>
    private static bool HasKeyAttribute(IPropertySymbol property, out bool isPartitionKey)
    {
        bool isKey = false;
        isPartitionKey = false;
        AttributeData? pinned = null;
        FindAttributes(property.GetAttributes(), ref isKey, ref isPartitionKey, ref pinned);
        return isKey;
    }

    private static void FindAttributes(ImmutableArray<AttributeData> attributes, ref bool isKey, ref bool isPartitionKey, ref AttributeData? pinned)
    {
        foreach (AttributeData attribute in attributes)
        {
            if (attribute.AttributeClass is not { } c || !WellKnownNames.IsRuntimeType(c))
            {
                continue;
            }

            if (c.Name == WellKnownNames.IdempotencyKeyAttributeName)
            {
                isKey = true;
            }
            else if (c.Name == WellKnownNames.PartitionKeyAttributeName)
            {
                isPartitionKey = true;
            }
            else if (c.Name == WellKnownNames.MemberIndexAttributeName)
            {
                pinned ??= attribute;
            }
        }
    }

    /// <summary>
    /// The constructor with the most parameters that all bind properties (the first of equals), and its parameters.
    /// The constructors are taken from the members already read: <see cref="INamedTypeSymbol.InstanceConstructors"/>
    /// costs a lookup and a new array, and lists them in the same order (a test holds the choice among equals to it).
    /// </summary>
    private static IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, ImmutableArray<ISymbol> members, List<IPropertySymbol> properties, out ImmutableArray<IParameterSymbol> bestParameters)
    {
        IMethodSymbol? best = null;
        bestParameters = ImmutableArray<IParameterSymbol>.Empty;
        foreach (ISymbol member in members)
        {
            if (member.Kind == SymbolKind.Method
                && member is IMethodSymbol { MethodKind: MethodKind.Constructor } constructor
                && Binds(type, constructor, properties, out ImmutableArray<IParameterSymbol> parameters)
                && (best is null || parameters.Length > bestParameters.Length))
            {
                best = constructor;
                bestParameters = parameters;
            }
        }

        return best;
    }

    /// <summary>
    /// Whether a constructor can build the object from its members: accessible, not the record copy constructor, and
    /// every parameter names a property. Parameters builds a new array on each call, so it is read once and handed back.
    /// </summary>
    private static bool Binds(INamedTypeSymbol type, IMethodSymbol constructor, List<IPropertySymbol> properties, out ImmutableArray<IParameterSymbol> parameters)
    {
        parameters = default;
        if (constructor.DeclaredAccessibility != Accessibility.Public && !(constructor.DeclaredAccessibility == Accessibility.Internal && type.Locations.All(static l => l.IsInSource)))
        {
            return false;
        }

        parameters = constructor.Parameters;

        // The record copy constructor is not a way to build a message from its members.
        if (parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(parameters[0].Type, type))
        {
            return false;
        }

        foreach (IParameterSymbol parameter in parameters)
        {
            if (parameter.RefKind != RefKind.None || !NamesProperty(parameter, properties))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasPropertyNamed(List<IPropertySymbol> properties, string name)
    {
        foreach (IPropertySymbol property in properties)
        {
            if (property.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The constructor's parameter binding a property: same name ignoring case, the last one when several match.</summary>
    private static IParameterSymbol? BoundParameter(ImmutableArray<IParameterSymbol> parameters, string propertyName)
    {
        IParameterSymbol? bound = null;
        foreach (IParameterSymbol parameter in parameters)
        {
            if (string.Equals(parameter.Name, propertyName, System.StringComparison.OrdinalIgnoreCase))
            {
                bound = parameter;
            }
        }

        return bound;
    }

    /// <summary>
    /// Whether a property of the same name (ignoring case) and type (ignoring nullability: the default comparer does,
    /// so no stripped copy of either type is allocated) exists for the parameter.
    /// </summary>
    private static bool NamesProperty(IParameterSymbol parameter, List<IPropertySymbol> properties)
    {
        string name = parameter.Name;
        ITypeSymbol? type = null;
        foreach (IPropertySymbol property in properties)
        {
            if (string.Equals(property.Name, name, System.StringComparison.OrdinalIgnoreCase)
                && SymbolEqualityComparer.Default.Equals(property.Type, type ??= parameter.Type))
            {
                return true;
            }
        }

        return false;
    }
}
