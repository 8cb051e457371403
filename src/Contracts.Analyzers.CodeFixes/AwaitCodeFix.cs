using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>CTR015: awaits the dropped SendAsync, PublishAsync or QueryAsync, where the enclosing method or lambda is async.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitCodeFix)), Shared]
public sealed class AwaitCodeFix : SyntaxCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.NotAwaited];

    /// <inheritdoc />
    protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
            || !SyntaxEdits.InAsyncCode(invocation))
        {
            return;
        }

        // "_ = x" becomes "await x"; a statement "x" becomes "await x".
        ExpressionSyntax replaced = invocation.Parent is AssignmentExpressionSyntax { Left: IdentifierNameSyntax { Identifier.ValueText: "_" } } discard ? discard : invocation;
        AwaitExpressionSyntax awaited = SyntaxFactory.AwaitExpression(invocation.WithoutLeadingTrivia()).WithLeadingTrivia(replaced.GetLeadingTrivia()).WithTrailingTrivia(replaced.GetTrailingTrivia());
        context.RegisterCodeFix(
            CodeAction.Create("Await it", _ => Replace(context, root, replaced, awaited), equivalenceKey: nameof(AwaitCodeFix)),
            diagnostic);
    }
}
