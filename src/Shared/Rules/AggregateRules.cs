using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The aggregate rule, in one place: an aggregate is a class marked [Aggregate] that derives from Aggregate&lt;TState&gt;;
/// its Apply methods are the instance methods named Apply declared in it; its streams are named after
/// [Aggregate(Name)] or its class name in kebab case.
/// </summary>
internal static class AggregateRules
{
    public const string AggregateAttribute = "Contracts.AggregateAttribute";
    public const string AggregateAttributeName = "AggregateAttribute";
    public const string AggregateBaseName = "Aggregate";
    public const string ApplyMethodName = "Apply";
    public const string RaiseMethodName = "Raise";

    public static bool IsAggregateAttribute(INamedTypeSymbol? attribute) =>
        attribute is { Name: AggregateAttributeName } && WellKnownNames.IsRuntimeType(attribute);

    /// <summary>The TState of the Aggregate&lt;TState&gt; the type derives from, or null.</summary>
    public static ITypeSymbol? StateOf(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? b = type.BaseType; b is not null; b = b.BaseType)
        {
            if (b is { Name: AggregateBaseName, Arity: 1 } && WellKnownNames.IsRuntimeType(b.OriginalDefinition))
            {
                return b.TypeArguments[0];
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="method"/> is the runtime's Aggregate.Raise&lt;TEvent&gt;.</summary>
    public static bool IsRaise(IMethodSymbol method) =>
        method is { Name: RaiseMethodName, Arity: 1, ContainingType: { Name: AggregateBaseName, Arity: 0 } owner } && WellKnownNames.IsRuntimeType(owner);

    /// <summary>The named arguments of the [Aggregate] attribute: Name (null when not set), SnapshotEvery and StateVersion.</summary>
    public static (string? Name, int SnapshotEvery, int StateVersion) Settings(INamedTypeSymbol type)
    {
        string? name = null;
        int every = 0, stateVersion = 1;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (!IsAggregateAttribute(attribute.AttributeClass))
            {
                continue;
            }

            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "Name" when named.Value.Value is string n:
                        name = n;
                        break;
                    case "SnapshotEvery" when named.Value.Value is int e:
                        every = e;
                        break;
                    case "StateVersion" when named.Value.Value is int v:
                        stateVersion = v;
                        break;
                }
            }
        }

        return (name, every, stateVersion);
    }

    /// <summary>Why <paramref name="name"/> cannot prefix stream ids, or null.</summary>
    public static string? WhyNotStreamName(string name)
    {
        if (name.Length == 0 || name.Length > 48)
        {
            return "it must have 1 to 48 characters";
        }

        foreach (char c in name)
        {
            if (!(c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.'))
            {
                return $"'{c}' is not a letter, digit, '-', '_' or '.'";
            }
        }

        return null;
    }

    /// <summary>The class name in kebab case: ShoppingCart is shopping-cart, HTTPRequest is http-request.</summary>
    public static string KebabCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool afterLower = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool endsAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (afterLower || endsAcronym)
                {
                    text.Append('-');
                }

                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c == '_' ? '-' : c);
            }
        }

        return text.ToString();
    }

    /// <summary>Why an [Aggregate] type cannot be generated, or null.</summary>
    public static string? WhyNotGeneratable(INamedTypeSymbol type)
    {
        if (type.Name.Length == 0)
        {
            return "the type has no name yet";
        }

        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            return $"'{type.Name}' is not a class; an aggregate is a partial class";
        }

        if (type.IsAbstract || type.IsStatic)
        {
            return $"'{type.Name}' is {(type.IsStatic ? "static" : "abstract")}; an aggregate is created for every load";
        }

        if (type.IsGenericType)
        {
            return $"'{type.Name}' is generic; an aggregate has one stream name, so it cannot have type parameters";
        }

        if (!ContractValidity.IsPartial(type))
        {
            return $"'{type.Name}' is not partial; the generator wires its Apply methods and state formatter in a partial declaration";
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
            return $"'{type.Name}' is private or protected; an aggregate must be at least internal";
        }

        if (StateOf(type) is null)
        {
            return $"'{type.Name}' does not derive from Aggregate<TState>; an aggregate names its state there";
        }

        bool parameterless = false;
        foreach (IMethodSymbol constructor in type.InstanceConstructors)
        {
            parameterless |= constructor.Parameters.Length == 0;
        }

        if (!parameterless)
        {
            return $"'{type.Name}' has no parameterless constructor; a load creates the aggregate before replaying its events (it may be private)";
        }

        return null;
    }
}
