using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis;

/// <summary>
/// The one rule for "is this a valid contract, and what is on the wire?". The generator generates what it
/// accepts and skips the rest; the analyzers report the problems it lists. Sharing it keeps them in agreement.
/// </summary>
internal static class ContractValidity
{
    /// <summary>Whether <paramref name="type"/> is a contract the generator generates (or, from a reference, generated).</summary>
    public static bool IsValidContract(INamedTypeSymbol type, Compilation compilation)
    {
        if (type.Locations.Any(static l => l.IsInMetadata))
        {
            // Compiled elsewhere: valid exactly when its generator gave it IContract<T>.
            return type.AllInterfaces.Any(static i => i.Name == WellKnownNames.ContractInterfaceName && i.Arity == 1 && WellKnownNames.IsRuntimeType(i));
        }

        return ContractKinds.KindOf(type, out _) is not null && Analyze(type, compilation, out _).Count == 0;
    }

    /// <summary>Checks a contract type and computes its wire shape.</summary>
    public static List<ContractProblem> Analyze(INamedTypeSymbol type, Compilation compilation, out ObjectShape? shape)
    {
        var problems = new List<ContractProblem>();
        shape = null;
        ContractKind? kind = ContractKinds.KindOf(type, out int kinds);
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

        if (kind == ContractKind.Query && ContractKinds.QueryResult(type) is null)
        {
            problems.Add(new ContractProblem(ContractProblemKind.QueryWithoutResult, $"query '{type.Name}' does not implement IQuery<TResult>, so its result type is unknown", type));
        }

        shape = ObjectShapeBuilder.Build(type, compilation, new List<INamedTypeSymbol>(4), 0);
        if (shape.Problems.Count > 0)
        {
            problems.AddRange(shape.Problems);
        }

        if (kind == ContractKind.Query)
        {
            foreach (MemberShape member in shape.Members)
            {
                if (member.IsPartitionKey)
                {
                    problems.Add(new ContractProblem(ContractProblemKind.UnsupportedPartitionKey, $"query '{type.Name}' has a [PartitionKey] member '{member.Property.Name}'; a query is answered as it comes, never held in order behind another, so the key would promise nothing: remove it", member.Property));
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// The wire shape of a query's result, by the same rules as a member's type; <see cref="TypeShape.Problem"/> says why
    /// it cannot be serialized. Null when <paramref name="type"/> is not a query with a known result. An unserializable
    /// result does not invalidate the contract: the query still works in process, only a broker cannot carry its reply.
    /// </summary>
    public static TypeShape? QueryResultShape(INamedTypeSymbol type, Compilation compilation)
    {
        ITypeSymbol? result = ContractKinds.KindOf(type, out _) == ContractKind.Query ? ContractKinds.QueryResult(type) : null;

        // Depth 1, like a member of the contract.
        return result is null ? null : WireTypeClassifier.Classify(result, compilation, new List<INamedTypeSymbol>(4), 1);
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
}
