using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>
/// A code fix that needs only the document's syntax: the root is read once, and each diagnostic gets its fixes from
/// <see cref="Register"/>. Fixes that need the semantic model derive from <see cref="CodeFixProvider"/> directly.
/// </summary>
public abstract class SyntaxCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            Register(context, root, diagnostic);
        }
    }

    /// <summary>Registers the fixes of <paramref name="diagnostic"/>, if it has any, on <paramref name="context"/>.</summary>
    /// <param name="context">The code fix context.</param>
    /// <param name="root">The document's syntax root.</param>
    /// <param name="diagnostic">One of the context's diagnostics.</param>
    protected abstract void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic);

    /// <summary>The document with <paramref name="node"/> replaced by <paramref name="replacement"/>.</summary>
    protected static Task<Document> Replace(CodeFixContext context, SyntaxNode root, SyntaxNode node, SyntaxNode replacement) =>
        Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(node, replacement)));
}
