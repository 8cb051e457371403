using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Contracts.Generator.Parsing;

/// <summary>What the caches of one pipeline share: a snapshot per compilation and the identifiers of each tree, each computed once.</summary>
internal sealed class ParseReuse
{
    private readonly ConditionalWeakTable<Compilation, CompilationSnapshot> _snapshots = new();
    private readonly ConditionalWeakTable<SyntaxTree, HashSet<string>> _identifiers = new();

    public CompilationSnapshot SnapshotOf(Compilation compilation) =>
        _snapshots.GetValue(compilation, static c => new CompilationSnapshot(c));

    /// <summary>Every identifier <paramref name="tree"/> mentions: a name any of its code could bind.</summary>
    public HashSet<string> IdentifiersOf(SyntaxTree tree) =>
        _identifiers.GetValue(tree, static t =>
        {
            var names = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (SyntaxToken token in t.GetRoot().DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken))
                {
                    names.Add(token.ValueText);
                }
            }

            return names;
        });
}
