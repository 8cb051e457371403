using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis;

/// <summary>How a type travels on the wire.</summary>
internal enum WireKind
{
    Unsupported,
    Boolean, Byte, SByte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double, Char,
    String, ByteArray, Guid, Decimal, DateTime, DateTimeOffset, TimeSpan, DateOnly, TimeOnly,
    Enum, Nullable, Array, List, ReadOnlyList, ImmutableArray, Dictionary, ReadOnlyDictionary, Object,
}

internal enum ContractKind
{
    Command = 1,
    Event = 2,
    Query = 3,
}

/// <summary>The shape of one member's type; <see cref="Object"/> is set for a user record or class.</summary>
internal sealed class TypeShape(WireKind kind, ITypeSymbol type)
{
    public WireKind Kind { get; } = kind;
    public ITypeSymbol Type { get; } = type;
    public TypeShape[] Arguments { get; set; } = [];
    public ObjectShape? Object { get; set; }
    public SpecialType EnumUnderlying { get; set; }
    public string? Problem { get; set; }
}

internal sealed class MemberShape(IPropertySymbol property, TypeShape type)
{
    public IPropertySymbol Property { get; } = property;
    public TypeShape Type { get; } = type;
    public IParameterSymbol? Parameter { get; set; }
    public int Index { get; set; } = -1;
    public bool IsKey { get; set; }
}

/// <summary>A serializable record or class: the constructor it is built with and its members in wire order.</summary>
internal sealed class ObjectShape(INamedTypeSymbol type)
{
    public INamedTypeSymbol Type { get; } = type;
    public IMethodSymbol? Constructor { get; set; }
    public List<MemberShape> Members { get; } = [];
    public List<ContractProblem> Problems { get; } = [];
    public int Length
    {
        get
        {
            int max = -1;
            foreach (MemberShape member in Members)
            {
                max = member.Index > max ? member.Index : max;
            }

            return max + 1;
        }
    }
}

internal enum ContractProblemKind
{
    /// <summary>CTR003: the type cannot be generated (not partial, generic, nested in a non-partial type, a struct, ...).</summary>
    NotGeneratable,

    /// <summary>CTR004: a member's type cannot be serialized.</summary>
    UnserializableMember,

    /// <summary>CTR006: more than one of [Command], [Event], [Query].</summary>
    SeveralKinds,

    /// <summary>A [Query] that does not implement IQuery&lt;TResult&gt;.</summary>
    QueryWithoutResult,

    /// <summary>An [IdempotencyKey] member whose type has no canonical form.</summary>
    UnsupportedKey,
}

internal readonly struct ContractProblem(ContractProblemKind kind, string detail, ISymbol? symbol)
{
    public ContractProblemKind Kind { get; } = kind;
    public string Detail { get; } = detail;
    public ISymbol? Symbol { get; } = symbol;
}

/// <summary>
/// The one rule for "is this a valid contract, and what is on the wire?". The generator generates what it
/// accepts and skips the rest; the analyzers report the problems it lists. Sharing it keeps them in agreement.
/// </summary>
internal static class ContractRules
{
    private const int MaxDepth = 16;

    public static ContractKind? KindOf(INamedTypeSymbol type, out int kindCount)
    {
        kindCount = 0;
        ContractKind? kind = null;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            ContractKind? k = KindOfAttribute(attribute.AttributeClass);
            if (k is not null)
            {
                kindCount++;
                kind ??= k;
            }
        }

        return kind;
    }

    public static ContractKind? KindOfAttribute(INamedTypeSymbol? attribute)
    {
        if (attribute is null || attribute.ContainingNamespace is not { Name: "Contracts", ContainingNamespace.IsGlobalNamespace: true })
        {
            return null;
        }

        return attribute.Name switch
        {
            "CommandAttribute" => ContractKind.Command,
            "EventAttribute" => ContractKind.Event,
            "QueryAttribute" => ContractKind.Query,
            _ => null,
        };
    }

    /// <summary>Whether <paramref name="type"/> is a contract the generator generates (or, from a reference, generated).</summary>
    public static bool IsValidContract(INamedTypeSymbol type, Compilation compilation)
    {
        if (type.Locations.Any(l => l.IsInMetadata))
        {
            // Compiled elsewhere: valid exactly when its generator gave it IContract<T>.
            return type.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == "Contracts.IContract<TSelf>");
        }

        return KindOf(type, out _) is not null && Analyze(type, compilation, out _).Count == 0;
    }

    /// <summary>Checks a contract type and computes its wire shape.</summary>
    public static List<ContractProblem> Analyze(INamedTypeSymbol type, Compilation compilation, out ObjectShape? shape)
    {
        var problems = new List<ContractProblem>();
        shape = null;
        ContractKind? kind = KindOf(type, out int kinds);
        if (kinds > 1)
        {
            problems.Add(new ContractProblem(ContractProblemKind.SeveralKinds, $"'{type.Name}' is marked with more than one of [Command], [Event] and [Query]; a message is exactly one of them", type));
        }

        string? notGeneratable = WhyNotGeneratable(type);
        if (notGeneratable is not null)
        {
            problems.Add(new ContractProblem(ContractProblemKind.NotGeneratable, notGeneratable, type));
            return problems;
        }

        if (kind == ContractKind.Query && QueryResult(type) is null)
        {
            problems.Add(new ContractProblem(ContractProblemKind.QueryWithoutResult, $"query '{type.Name}' does not implement IQuery<TResult>, so its result type is unknown", type));
        }

        shape = AnalyzeObject(type, compilation, new List<INamedTypeSymbol>(4), 0);
        if (shape.Problems.Count > 0)
        {
            problems.AddRange(shape.Problems);
        }

        return problems;
    }

    /// <summary>
    /// Whether the contract has an [IdempotencyKey] member (on a public instance property, or on the constructor
    /// parameter that binds one). Reads attributes only, so it works on contracts compiled elsewhere too.
    /// </summary>
    public static bool HasIdempotencyKey(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null && t.SpecialType != SpecialType.System_Object; t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers())
            {
                if (member is IPropertySymbol { IsStatic: false, DeclaredAccessibility: Accessibility.Public } property
                    && property.GetAttributes().Any(a => IsContractsAttribute(a, "IdempotencyKeyAttribute")))
                {
                    return true;
                }
            }
        }

        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility == Accessibility.Public
                && constructor.Parameters.Any(p => p.GetAttributes().Any(a => IsContractsAttribute(a, "IdempotencyKeyAttribute"))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The wire name and version a contract attribute gives: its Name (else namespace and type name) and Version (else 1).</summary>
    public static (string Name, int Version) NameAndVersion(INamedTypeSymbol type) => NameAndVersion(type, null);

    /// <summary>As <see cref="NameAndVersion(INamedTypeSymbol)"/>, with the default wire name already spelled by the caller.</summary>
    public static (string Name, int Version) NameAndVersion(INamedTypeSymbol type, string? defaultName)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (KindOfAttribute(attribute.AttributeClass) is null)
            {
                continue;
            }

            string? name = null;
            int version = 1;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Key == "Name" && argument.Value.Value is string { Length: > 0 } n)
                {
                    name = n;
                }
                else if (argument.Key == "Version" && argument.Value.Value is int v && v >= 1)
                {
                    version = v;
                }
            }

            return (name ?? defaultName ?? DefaultWireName(type), version);
        }

        return (defaultName ?? DefaultWireName(type), 1);
    }

    private static string DefaultWireName(INamedTypeSymbol type)
    {
        System.Text.StringBuilder builder = SymbolNames.Rent();
        bool spelled = SymbolNames.TryAppendText(builder, type);
        string text = SymbolNames.Return(builder);
        return spelled ? text : type.ToDisplayString(s_wireNameFormat);
    }

    /// <summary>Namespace and containing types as plain text (no global::, no @): the default wire name.</summary>
    private static readonly SymbolDisplayFormat s_wireNameFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted)
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None);

    /// <summary>The TResult of the one IQuery&lt;TResult&gt; the type implements, or null.</summary>
    public static ITypeSymbol? QueryResult(INamedTypeSymbol type)
    {
        ITypeSymbol? result = null;
        foreach (INamedTypeSymbol i in type.AllInterfaces)
        {
            if (i.Name == "IQuery" && i.TypeArguments.Length == 1 && i.ContainingNamespace is { Name: "Contracts", ContainingNamespace.IsGlobalNamespace: true })
            {
                if (result is not null)
                {
                    return null;
                }

                result = i.TypeArguments[0];
            }
        }

        return result is null or IErrorTypeSymbol ? null : result;
    }

    /// <summary>
    /// The wire shape of a query's result, by the same rules as a member's type; <see cref="TypeShape.Problem"/> says why
    /// it cannot be serialized. Null when <paramref name="type"/> is not a query with a known result. An unserializable
    /// result does not invalidate the contract: the query still works in process, only a broker cannot carry its reply.
    /// </summary>
    public static TypeShape? QueryResultShape(INamedTypeSymbol type, Compilation compilation)
    {
        ITypeSymbol? result = KindOf(type, out _) == ContractKind.Query ? QueryResult(type) : null;

        // Depth 1, like a member of the contract.
        return result is null ? null : Classify(result, compilation, new List<INamedTypeSymbol>(4), 1);
    }

    private static string? WhyNotGeneratable(INamedTypeSymbol type)
    {
        // Being typed: "partial record (int X)" declares a type without a name; nothing can be generated for it.
        if (type.Name.Length == 0 || type.ContainingType is { Name.Length: 0 })
        {
            return "the type has no name yet";
        }

        if (type.TypeKind != TypeKind.Class)
        {
            return $"'{type.Name}' is a {(type.IsRecord ? "record struct" : type.TypeKind.ToString().ToLowerInvariant())}; a contract is a record or class (messages are passed by reference and never copied)";
        }

        if (type.IsStatic || type.IsAbstract)
        {
            return $"'{type.Name}' is {(type.IsStatic ? "static" : "abstract")}; a contract must be instantiable";
        }

        if (type.IsGenericType)
        {
            return $"'{type.Name}' is generic; a contract has one wire name, so it cannot have type parameters";
        }

        if (!IsPartial(type))
        {
            return $"'{type.Name}' is not partial; the generator adds its formatter and metadata in a partial declaration";
        }

        for (INamedTypeSymbol? container = type.ContainingType; container is not null; container = container.ContainingType)
        {
            if (container.IsGenericType)
            {
                return $"'{type.Name}' is nested in generic type '{container.Name}'";
            }

            if (!IsPartial(container))
            {
                return $"'{type.Name}' is nested in '{container.Name}', which is not partial";
            }
        }

        if (!IsAccessibleInAssembly(type))
        {
            return $"'{type.Name}' is private or protected; a contract must be at least internal";
        }

        return null;
    }

    public static bool IsPartial(INamedTypeSymbol type)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsAccessibleInAssembly(ISymbol symbol)
    {
        for (ISymbol? s = symbol; s is not null and not INamespaceSymbol; s = s.ContainingType)
        {
            if (s.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            {
                return false;
            }
        }

        return true;
    }

    private static ObjectShape AnalyzeObject(INamedTypeSymbol type, Compilation compilation, List<INamedTypeSymbol> visiting, int depth)
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
                    continue; // computed or get-only: not part of the message's state
                }

                ITypeSymbol propertyType = property.Type;
                TypeShape typeShape = Classify(propertyType, compilation, visiting, depth + 1);
                var member = new MemberShape(property, typeShape) { Parameter = parameter };
                if (typeShape.Problem is not null)
                {
                    shape.Problems.Add(new ContractProblem(ContractProblemKind.UnserializableMember, $"member '{type.Name}.{property.Name}' of type '{propertyType.ToDisplayString()}' cannot be serialized: {typeShape.Problem}", property));
                }

                FindAttributes(property, parameter, out bool isKey, out AttributeData? pinned);
                if (isKey)
                {
                    member.IsKey = true;
                    if (!IsKeyKind(typeShape))
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
    /// Whether the property (or else the constructor parameter that binds it) carries [IdempotencyKey], and its
    /// [MemberIndex] (the property's first, else the parameter's): one pass over each attribute list.
    /// </summary>
    private static void FindAttributes(IPropertySymbol property, IParameterSymbol? parameter, out bool isKey, out AttributeData? pinned)
    {
        isKey = false;
        pinned = null;
        FindAttributes(property.GetAttributes(), ref isKey, ref pinned);
        if (parameter is not null && (!isKey || pinned is null))
        {
            FindAttributes(parameter.GetAttributes(), ref isKey, ref pinned);
        }
    }

    private static void FindAttributes(ImmutableArray<AttributeData> attributes, ref bool isKey, ref AttributeData? pinned)
    {
        foreach (AttributeData attribute in attributes)
        {
            if (attribute.AttributeClass is not { ContainingNamespace: { Name: "Contracts", ContainingNamespace.IsGlobalNamespace: true } } c)
            {
                continue;
            }

            if (c.Name == "IdempotencyKeyAttribute")
            {
                isKey = true;
            }
            else if (c.Name == "MemberIndexAttribute")
            {
                pinned ??= attribute;
            }
        }
    }

    private static bool IsContractsAttribute(AttributeData attribute, string name) =>
        attribute.AttributeClass is { } c && c.Name == name && c.ContainingNamespace is { Name: "Contracts", ContainingNamespace.IsGlobalNamespace: true };

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
        if (constructor.DeclaredAccessibility != Accessibility.Public && !(constructor.DeclaredAccessibility == Accessibility.Internal && type.Locations.All(l => l.IsInSource)))
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

    /// <summary>Whether a member of this shape can be an [IdempotencyKey]: it has one canonical value (no collections, no user types).</summary>
    public static bool IsKeyKind(TypeShape shape) => shape.Kind switch
    {
        WireKind.Nullable => IsKeyKind(shape.Arguments[0]),

        // Floating point has no stable canonical value: the same quantity computed two ways can differ in its last bits.
        WireKind.Single or WireKind.Double => false,
        WireKind.Unsupported or WireKind.ByteArray or WireKind.Array or WireKind.List or WireKind.ReadOnlyList or WireKind.ImmutableArray
            or WireKind.Dictionary or WireKind.ReadOnlyDictionary or WireKind.Object => false,
        _ => true,
    };

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

        if (!IsAccessibleInAssembly(named) || named.DeclaredAccessibility == Accessibility.Internal && !SymbolEqualityComparer.Default.Equals(named.ContainingAssembly, compilation.Assembly))
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = "it is not accessible to the contract's assembly" };
        }

        if (Contains(visiting, named))
        {
            return new TypeShape(WireKind.Unsupported, type) { Problem = $"'{named.Name}' contains itself; recursive types are not supported" };
        }

        ObjectShape nested = AnalyzeObject(named, compilation, visiting, depth);
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
