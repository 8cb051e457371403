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
public sealed class SetToInitCodeFix : SyntaxCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.MutableContract];

    /// <inheritdoc />
    protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticIds.FixProperty, out string? fix) || fix != DiagnosticIds.FixSetToInit
            || root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<AccessorDeclarationSyntax>() is not { } setter
            || !setter.IsKind(SyntaxKind.SetAccessorDeclaration))
        {
            return;
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
            CodeAction.Create("Use 'init' instead of 'set'", _ => Replace(context, root, setter, init), equivalenceKey: nameof(SetToInitCodeFix)),
            diagnostic);
    }
}
