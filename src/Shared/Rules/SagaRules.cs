using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The one saga rule, used by the generator (which generates and wires sagas and reports what stops it) and the
/// analyzers (which check step bodies). A saga is a class marked [Saga] that derives from Saga&lt;TState&gt;; its steps
/// are the IStartedBy&lt;T&gt; and IHandles&lt;T&gt; interfaces it implements; each step's message is a command or event
/// contract with exactly one [SagaId] member, of one type across the saga.
/// </summary>
internal static class SagaRules
{
    public const string SagaAttribute = "Contracts.SagaAttribute";
    public const string SagaAttributeName = "SagaAttribute";
    public const string SagaIdAttributeName = "SagaIdAttribute";
    public const string SagaBaseName = "Saga";
    public const string StartedByName = "IStartedBy";
    public const string HandlesName = "IHandles";
    public const string SagaContextName = "SagaContext";
    public const string SendMethodName = "Send";
    public const string RequestTimeoutMethodName = "RequestTimeout";

    public static bool IsSagaAttribute(INamedTypeSymbol? attribute) =>
        attribute is { Name: SagaAttributeName } && WellKnownNames.IsRuntimeType(attribute);

    public static bool IsSaga(INamedTypeSymbol type)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (IsSagaAttribute(attribute.AttributeClass))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The stored name: [Saga(Name = ...)] or the full name without global::.</summary>
    public static string StoredName(INamedTypeSymbol type)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (IsSagaAttribute(attribute.AttributeClass))
            {
                foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
                {
                    if (named.Key == "Name" && named.Value.Value is string name && name.Length > 0)
                    {
                        return name;
                    }
                }
            }
        }

        return type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "");
    }

    /// <summary>The TState of the Saga&lt;TState&gt; the type derives from, or null.</summary>
    public static ITypeSymbol? StateOf(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? b = type.BaseType; b is not null; b = b.BaseType)
        {
            if (b is { Name: SagaBaseName, Arity: 1 } && WellKnownNames.IsRuntimeType(b.OriginalDefinition))
            {
                return b.TypeArguments[0];
            }
        }

        return null;
    }

    /// <summary>Why a [Saga] type cannot be generated, or null.</summary>
    public static string? WhyNotGeneratable(INamedTypeSymbol type)
    {
        if (type.Name.Length == 0)
        {
            return "the type has no name yet";
        }

        if (type.TypeKind != TypeKind.Class || type.IsRecord)
        {
            return $"'{type.Name}' is not a class; a saga is a partial class";
        }

        if (type.IsAbstract || type.IsStatic)
        {
            return $"'{type.Name}' is {(type.IsStatic ? "static" : "abstract")}; a saga is created for each step";
        }

        if (type.IsGenericType)
        {
            return $"'{type.Name}' is generic; a saga has one stored name, so it cannot have type parameters";
        }

        if (!ContractValidity.IsPartial(type))
        {
            return $"'{type.Name}' is not partial; the generator adds its state formatter and registration in a partial declaration";
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
            return $"'{type.Name}' is private or protected; a saga must be at least internal";
        }

        if (StateOf(type) is null)
        {
            return $"'{type.Name}' does not derive from Saga<TState>; a saga names its stored state there";
        }

        return null;
    }

    /// <summary>Whether <paramref name="interface"/> is IStartedBy&lt;T&gt; (true), IHandles&lt;T&gt; (false), or neither (null).</summary>
    public static bool? StepInterface(INamedTypeSymbol @interface)
    {
        if (@interface.Arity != 1 || !WellKnownNames.IsRuntimeType(@interface.OriginalDefinition))
        {
            return null;
        }

        return @interface.Name switch
        {
            StartedByName => true,
            HandlesName => false,
            _ => null,
        };
    }

    /// <summary>The messages of the saga's steps, each once, with whether it starts the saga, in declaration order.</summary>
    public static List<(ITypeSymbol Message, bool Starts)> Steps(INamedTypeSymbol type)
    {
        var steps = new List<(ITypeSymbol Message, bool Starts)>();
        foreach (INamedTypeSymbol @interface in type.AllInterfaces)
        {
            if (StepInterface(@interface) is not { } starts)
            {
                continue;
            }

            ITypeSymbol message = @interface.TypeArguments[0];
            int existing = steps.FindIndex(s => SymbolEqualityComparer.Default.Equals(s.Message, message));
            if (existing < 0)
            {
                steps.Add((message, starts));
            }
            else if (starts)
            {
                steps[existing] = (message, true);
            }
        }

        return steps;
    }

    /// <summary>
    /// The [SagaId] member of <paramref name="message"/> and its key type's name (Guid, string, int, long), or why there
    /// is none that can be used.
    /// </summary>
    public static (ISymbol? Member, ITypeSymbol? Type, string? Problem) Correlation(INamedTypeSymbol message)
    {
        ISymbol? found = null;
        ITypeSymbol? type = null;
        int count = 0;
        foreach (ISymbol member in message.GetMembers())
        {
            if (member is not (IPropertySymbol or IFieldSymbol) || member.IsStatic || member.IsImplicitlyDeclared && member is IFieldSymbol || !HasSagaId(member))
            {
                continue;
            }

            count++;
            found ??= member;
            type ??= member is IPropertySymbol p ? p.Type : ((IFieldSymbol)member).Type;
        }

        if (count == 0)
        {
            return (null, null, $"'{message.Name}' has no [SagaId] member, so nothing says which saga instance it belongs to; mark the member that holds the instance's id with [property: SagaId]");
        }

        if (count > 1)
        {
            return (found, type, $"'{message.Name}' has {count} [SagaId] members; one member names the saga instance");
        }

        if (!IsKeyType(type!))
        {
            return (found, type, $"'{message.Name}.{found!.Name}' is a {type!.ToDisplayString()}; a [SagaId] is a non-nullable Guid, string, int or long");
        }

        return (found, type, null);
    }

    public static bool IsKeyType(ITypeSymbol type) =>
        type.SpecialType is SpecialType.System_String or SpecialType.System_Int32 or SpecialType.System_Int64
        || type is { Name: "Guid", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } };

    private static bool HasSagaId(ISymbol member) =>
        member.GetAttributes().Any(static a => a.AttributeClass is { Name: SagaIdAttributeName } c && WellKnownNames.IsRuntimeType(c));
}
