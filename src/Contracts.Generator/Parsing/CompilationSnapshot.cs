using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

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

        // A tree replaced (same path before and after) is compared declaration by declaration; one added or removed names all it declares.
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        var unpaired = new List<SyntaxTree>(added);
        foreach (SyntaxTree old in removed)
        {
            int replacement = IndexOfPath(unpaired, old.FilePath);
            bool named = replacement < 0 ? DeclarationChanges.All(old, names) : DeclarationChanges.Between(old, unpaired[replacement], names);
            if (!named)
            {
                return CompilationChanges.Everything;
            }

            if (replacement >= 0)
            {
                unpaired.RemoveAt(replacement);
            }
        }

        foreach (SyntaxTree tree in unpaired)
        {
            if (!DeclarationChanges.All(tree, names))
            {
                return CompilationChanges.Everything;
            }
        }

        string[] declared = new string[names.Count];
        names.CopyTo(declared);
        return new CompilationChanges(removed.ToArray(), declared);
    }

    private static int IndexOfPath(List<SyntaxTree> trees, string path)
    {
        if (path.Length > 0)
        {
            for (int i = 0; i < trees.Count; i++)
            {
                if (string.Equals(trees[i].FilePath, path, System.StringComparison.Ordinal))
                {
                    return i;
                }
            }
        }

        return -1;
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

    /// <summary>The older snapshot is held weakly: else each snapshot would keep the one before alive, and every tree of every edit with it.</summary>
    private sealed class LastChanges(CompilationSnapshot from, CompilationChanges changes)
    {
        public System.WeakReference<CompilationSnapshot> From { get; } = new(from);

        public CompilationChanges Changes { get; } = changes;
    }
}
