using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Parsing;

/// <summary>
/// The source trees a parse read from: every declaration of each source type it looked at, of the types those contain,
/// derive from or implement, and of their type arguments. A type from metadata adds nothing (its assembly changes only
/// with the references) but its type arguments.
/// </summary>
internal sealed class ParseDependencies
{
    private readonly List<SyntaxTree> _trees = new(2);
    private readonly HashSet<ITypeSymbol> _seen = new(SymbolEqualityComparer.Default);

    public void Add(ITypeSymbol? type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                Add(array.ElementType);
                break;
            case INamedTypeSymbol named when _seen.Add(named):
                foreach (ITypeSymbol argument in named.TypeArguments)
                {
                    Add(argument);
                }

                Add(named.ContainingType);
                foreach (SyntaxReference reference in named.DeclaringSyntaxReferences)
                {
                    Add(reference.SyntaxTree);
                }

                if (named.Locations.Length > 0 && named.Locations[0].IsInSource)
                {
                    Add(named.BaseType);
                    foreach (INamedTypeSymbol implemented in named.Interfaces)
                    {
                        Add(implemented);
                    }
                }

                break;
        }
    }

    public void Add(SyntaxTree tree)
    {
        foreach (SyntaxTree known in _trees)
        {
            if (ReferenceEquals(known, tree))
            {
                return;
            }
        }

        _trees.Add(tree);
    }

    public SyntaxTree[] Trees() => _trees.ToArray();
}
