using Microsoft.CodeAnalysis;

namespace Contracts.Generator.Parsing;

/// <summary>
/// What changed between two compilations: the trees the older one had and the newer lacks (a replaced tree's old
/// version among them), and every name the changed trees declare, before or after. <see cref="All"/> when the change is
/// one no name can tell (references, options, a global using, an assembly attribute, too many trees).
/// </summary>
internal sealed class CompilationChanges(SyntaxTree[] removed, string[] declaredNames)
{
    public static readonly CompilationChanges Everything = new([], []) { All = true };

    public bool All { get; private init; }

    public SyntaxTree[] Removed { get; } = removed;

    public string[] DeclaredNames { get; } = declaredNames;
}
