using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Parsing;

/// <summary>
/// What a per-declaration transform computed before, handed back while nothing it read can have changed.
/// <para>
/// Roslyn runs the transforms of <c>ForAttributeWithMetadataName</c> and of a syntax provider for every declaration on every
/// new compilation (their input holds the semantic model), and only then compares what they return. A contract's parse
/// reads its members, their types and attributes, nested records and enums: about 24 us per contract, 17 ms of every
/// keystroke at 700 contracts, to return what it returned the last time. A parse kept here is reused for the same
/// declaration node (an edit of its file makes new nodes) while every tree it read from is still in the compilation and
/// no changed tree declares a name any of those trees mentions: that is how a change elsewhere reaches it (a member's
/// type edited, a partial part added, a type that now shadows one it names). A change no name can tell (references,
/// options, a global using, an assembly attribute) drops every kept parse.
/// </para>
/// <para>
/// It lives as long as the pipeline that created it (one generator driver) and holds a declaration node weakly: what
/// it keeps for one (the trees the parse read, the snapshot of the last compilation it was found valid in: that
/// compilation's tree list, references and options, not the compilation) goes when the node goes. It is safe to read from
/// two runs at once (an IDE forks drivers): a kept entry is immutable but for that snapshot, and whoever writes the
/// snapshot has checked the entry against it.
/// </para>
/// </summary>
internal sealed class ParseCache<T>(ParseReuse reuse)
    where T : class
{
    private readonly ConditionalWeakTable<SyntaxNode, Slot> _slots = new();

    public CompilationSnapshot SnapshotOf(Compilation compilation) => reuse.SnapshotOf(compilation);

    /// <summary>The value kept for <paramref name="declaration"/> if it still holds in <paramref name="snapshot"/>, else null.</summary>
    public T? Find(SyntaxNode declaration, CompilationSnapshot snapshot)
    {
        if (!_slots.TryGetValue(declaration, out Slot? slot) || slot.Current is not { } entry)
        {
            return null;
        }

        CompilationSnapshot from = entry.Snapshot;
        if (ReferenceEquals(from, snapshot))
        {
            return entry.Value;
        }

        CompilationChanges changes = snapshot.ChangesSince(from);
        if (changes.All || Touches(entry, changes))
        {
            return null;
        }

        entry.Snapshot = snapshot;
        return entry.Value;
    }

    /// <summary>Keeps <paramref name="value"/>, computed in <paramref name="snapshot"/> from what <paramref name="dependencies"/> lists.</summary>
    public void Keep(SyntaxNode declaration, CompilationSnapshot snapshot, T value, ParseDependencies dependencies) =>
        _slots.GetValue(declaration, static _ => new Slot()).Current = new Entry(value, dependencies.Trees(), snapshot);

    private bool Touches(Entry entry, CompilationChanges changes)
    {
        foreach (SyntaxTree removed in changes.Removed)
        {
            foreach (SyntaxTree tree in entry.Trees)
            {
                if (ReferenceEquals(tree, removed))
                {
                    return true;
                }
            }
        }

        if (changes.DeclaredNames.Length == 0)
        {
            return false;
        }

        HashSet<string>[] names = entry.Names(reuse);
        foreach (string name in changes.DeclaredNames)
        {
            foreach (HashSet<string> mentioned in names)
            {
                if (mentioned.Contains(name))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private sealed class Slot
    {
        private volatile Entry? _current;

        public Entry? Current
        {
            get => _current;
            set => _current = value;
        }
    }

    private sealed class Entry(T value, SyntaxTree[] trees, CompilationSnapshot snapshot)
    {
        private volatile CompilationSnapshot _snapshot = snapshot;
        private HashSet<string>[]? _names;

        public T Value { get; } = value;

        /// <summary>Every tree the value was read from.</summary>
        public SyntaxTree[] Trees { get; } = trees;

        /// <summary>
        /// The identifiers each of those trees mentions, read when a change first needs them: a build that runs the
        /// generator once never does. Two runs reading them at once compute the same sets.
        /// </summary>
        public HashSet<string>[] Names(ParseReuse reuse)
        {
            if (Volatile.Read(ref _names) is { } names)
            {
                return names;
            }

            names = new HashSet<string>[Trees.Length];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = reuse.IdentifiersOf(Trees[i]);
            }

            Volatile.Write(ref _names, names);
            return names;
        }

        /// <summary>The last compilation the value was found to hold in.</summary>
        public CompilationSnapshot Snapshot
        {
            get => _snapshot;
            set => _snapshot = value;
        }
    }
}
