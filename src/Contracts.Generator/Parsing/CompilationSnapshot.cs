using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>
/// What a compilation is made of (its syntax trees, references and options), so that what changed between two of them
/// can be told without binding anything: the trees one has and the other lacks, and the names those trees declare.
/// </summary>
internal sealed class CompilationSnapshot
{
    /// <summary>More changed trees than this (a branch switch, a project-wide rename) and everything is analyzed again.</summary>
    private const int MaxChangedTrees = 64;

    private readonly ImmutableArray<SyntaxTree> _trees;
    private readonly ImmutableArray<MetadataReference> _references;
    private readonly CompilationOptions _options;
    private readonly string? _assemblyName;

    // The changes since the snapshot asked about last: every parse of one run asks about the same one.
    private volatile LastChanges? _last;

    public CompilationSnapshot(Compilation compilation)
    {
        _trees = compilation is Microsoft.CodeAnalysis.CSharp.CSharpCompilation csharp ? csharp.SyntaxTrees : ImmutableArray.CreateRange(compilation.SyntaxTrees);
        _references = compilation.ExternalReferences;
        _options = compilation.Options;
        _assemblyName = compilation.AssemblyName;
    }

    /// <summary>What changed from <paramref name="from"/> to this compilation; computed once per pair asked in a row.</summary>
    public CompilationChanges ChangesSince(CompilationSnapshot from)
    {
        LastChanges? last = _last;
        if (last is not null && last.From.TryGetTarget(out CompilationSnapshot? known) && ReferenceEquals(known, from))
        {
            return last.Changes;
        }

        CompilationChanges changes = Compute(from);
        _last = new LastChanges(from, changes);
        return changes;
    }

    private CompilationChanges Compute(CompilationSnapshot from)
    {
        if (!SameReferences(from._references, _references)
            || !string.Equals(from._assemblyName, _assemblyName, System.StringComparison.Ordinal)
            || !(ReferenceEquals(from._options, _options) || from._options.Equals(_options)))
        {
            return CompilationChanges.Everything;
        }

        var removed = new List<SyntaxTree>();
        var added = new List<SyntaxTree>();
        if (!ChangedInPlace(from._trees, _trees, removed, added))
        {
            removed.Clear();
            added.Clear();
            ChangedAnywhere(from._trees, _trees, removed, added);
        }

        if (removed.Count + added.Count > MaxChangedTrees)
        {
            return CompilationChanges.Everything;
        }

        var names = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (SyntaxTree tree in removed)
        {
            if (!DeclaredNames(tree, names))
            {
                return CompilationChanges.Everything;
            }
        }

        foreach (SyntaxTree tree in added)
        {
            if (!DeclaredNames(tree, names))
            {
                return CompilationChanges.Everything;
            }
        }

        string[] declared = new string[names.Count];
        names.CopyTo(declared);
        return new CompilationChanges(removed.ToArray(), declared);
    }

    private static bool SameReferences(ImmutableArray<MetadataReference> a, ImmutableArray<MetadataReference> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (!ReferenceEquals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The common case, an IDE's edit: trees replaced where they were, or added at the end. False when the lists no
    /// longer line up (a tree removed or inserted before others), for <see cref="ChangedAnywhere"/> to tell.
    /// </summary>
    private static bool ChangedInPlace(ImmutableArray<SyntaxTree> before, ImmutableArray<SyntaxTree> after, List<SyntaxTree> removed, List<SyntaxTree> added)
    {
        int common = before.Length < after.Length ? before.Length : after.Length;
        for (int i = 0; i < common; i++)
        {
            if (!ReferenceEquals(before[i], after[i]))
            {
                if (removed.Count == MaxChangedTrees / 8)
                {
                    return false;
                }

                removed.Add(before[i]);
                added.Add(after[i]);
            }
        }

        for (int i = common; i < before.Length; i++)
        {
            removed.Add(before[i]);
        }

        for (int i = common; i < after.Length; i++)
        {
            added.Add(after[i]);
        }

        return true;
    }

    private static void ChangedAnywhere(ImmutableArray<SyntaxTree> before, ImmutableArray<SyntaxTree> after, List<SyntaxTree> removed, List<SyntaxTree> added)
    {
        var beforeSet = new HashSet<SyntaxTree>(before);
        var afterSet = new HashSet<SyntaxTree>(after);
        foreach (SyntaxTree tree in before)
        {
            if (!afterSet.Contains(tree))
            {
                removed.Add(tree);
            }
        }

        foreach (SyntaxTree tree in after)
        {
            if (!beforeSet.Contains(tree))
            {
                added.Add(tree);
            }
        }
    }

    /// <summary>
    /// Adds the names of the namespaces, types and delegates <paramref name="tree"/> declares (an attribute class also
    /// without its "Attribute" suffix, as <c>[Command]</c> names it). False when the tree holds what can change how any
    /// name binds anywhere or what any type means: a global using, an assembly or module attribute.
    /// </summary>
    private static bool DeclaredNames(SyntaxTree tree, HashSet<string> names)
    {
        if (tree.GetRoot() is not CompilationUnitSyntax unit)
        {
            return false;
        }

        if (unit.AttributeLists.Count > 0)
        {
            return false;
        }

        foreach (UsingDirectiveSyntax directive in unit.Usings)
        {
            if (!directive.GlobalKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.None))
            {
                return false;
            }
        }

        AddMembers(unit.Members, names);
        return true;
    }

    private static void AddMembers(SyntaxList<MemberDeclarationSyntax> members, HashSet<string> names)
    {
        foreach (MemberDeclarationSyntax member in members)
        {
            switch (member)
            {
                case BaseNamespaceDeclarationSyntax ns:
                    foreach (SyntaxToken token in ns.Name.DescendantTokens())
                    {
                        Add(token.ValueText, names);
                    }

                    AddMembers(ns.Members, names);
                    break;
                case TypeDeclarationSyntax type:
                    Add(type.Identifier.ValueText, names);
                    AddMembers(type.Members, names);
                    break;
                case BaseTypeDeclarationSyntax other:
                    Add(other.Identifier.ValueText, names);
                    break;
                case DelegateDeclarationSyntax @delegate:
                    Add(@delegate.Identifier.ValueText, names);
                    break;
                case GlobalStatementSyntax:
                    Add("Program", names); // top-level statements declare it
                    break;
            }
        }
    }

    private static void Add(string name, HashSet<string> names)
    {
        if (name.Length == 0)
        {
            return;
        }

        names.Add(name);
        if (name.Length > "Attribute".Length && name.EndsWith("Attribute", System.StringComparison.Ordinal))
        {
            names.Add(name.Substring(0, name.Length - "Attribute".Length));
        }
    }

    /// <summary>The older snapshot is held weakly: else each snapshot would keep the one before alive, and every tree of every edit with it.</summary>
    private sealed class LastChanges(CompilationSnapshot from, CompilationChanges changes)
    {
        public System.WeakReference<CompilationSnapshot> From { get; } = new(from);

        public CompilationChanges Changes { get; } = changes;
    }
}
