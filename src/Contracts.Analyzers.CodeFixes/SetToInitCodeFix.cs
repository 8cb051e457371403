using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>CTR010: turns a contract property's <c>set</c> into <c>init</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SetToInitCodeFix)), Shared]
public sealed class SetToInitCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.MutableContract];

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticIds.FixProperty, out string? fix) || fix != DiagnosticIds.FixSetToInit
                || root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AccessorDeclarationSyntax>() is not { } setter
                || !setter.IsKind(SyntaxKind.SetAccessorDeclaration))
            {
                continue;
            }

            AccessorDeclarationSyntax init = SyntaxFactory.AccessorDeclaration(
                SyntaxKind.InitAccessorDeclaration,
                setter.AttributeLists,
                setter.Modifiers,
                SyntaxFactory.Token(setter.Keyword.LeadingTrivia, SyntaxKind.InitKeyword, setter.Keyword.TrailingTrivia),
                setter.Body,
                setter.ExpressionBody,
                setter.SemicolonToken);
            context.RegisterCodeFix(
                CodeAction.Create("Use 'init' instead of 'set'", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(setter, init))), equivalenceKey: nameof(SetToInitCodeFix)),
                diagnostic);
        }
    }
}
