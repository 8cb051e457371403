using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>
/// CTR020: a public field becomes a property with <c>get; init;</c> (its initializer kept), and a non-public setter
/// becomes <c>init</c>, so the member travels. A field declaring several variables is left alone.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NotOnWireCodeFix)), Shared]
public sealed class NotOnWireCodeFix : SyntaxCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.MemberNotOnWire];

    /// <inheritdoc />
    protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticIds.FixProperty, out string? fix))
        {
            return;
        }

        SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan);
        if (fix == DiagnosticIds.FixFieldToProperty
            && node.FirstAncestorOrSelf<FieldDeclarationSyntax>() is { Declaration.Variables.Count: 1 } field)
        {
            context.RegisterCodeFix(
                CodeAction.Create("Make it a property with 'init'", _ => Replace(context, root, field, ToProperty(field, field.Declaration.Variables[0])), equivalenceKey: nameof(NotOnWireCodeFix)),
                diagnostic);
        }
        else if (fix == DiagnosticIds.FixSetterToInit
                 && node.FirstAncestorOrSelf<PropertyDeclarationSyntax>()?.AccessorList?.Accessors.FirstOrDefault(a => a.IsKind(SyntaxKind.SetAccessorDeclaration) || a.IsKind(SyntaxKind.InitAccessorDeclaration)) is { } setter)
        {
            // "private set" becomes "init": the modifiers go, and "init" takes the first token's place (and its trivia).
            SyntaxToken first = setter.Modifiers.Count > 0 ? setter.Modifiers[0] : setter.Keyword;
            AccessorDeclarationSyntax init = SyntaxFactory.AccessorDeclaration(
                SyntaxKind.InitAccessorDeclaration,
                setter.AttributeLists,
                default,
                SyntaxFactory.Token(first.LeadingTrivia, SyntaxKind.InitKeyword, setter.Keyword.TrailingTrivia),
                setter.Body,
                setter.ExpressionBody,
                setter.SemicolonToken);
            context.RegisterCodeFix(
                CodeAction.Create("Use a public 'init'", _ => Replace(context, root, setter, init), equivalenceKey: nameof(NotOnWireCodeFix)),
                diagnostic);
        }
    }

    /// <summary><c>public T Name = value;</c> as <c>public T Name { get; init; } = value;</c>, the field's trivia kept.</summary>
    private static PropertyDeclarationSyntax ToProperty(FieldDeclarationSyntax field, VariableDeclaratorSyntax variable)
    {
        SyntaxTokenList modifiers = SyntaxFactory.TokenList(field.Modifiers.Where(m => !m.IsKind(SyntaxKind.ReadOnlyKeyword) && !m.IsKind(SyntaxKind.VolatileKeyword)));
        SyntaxToken semicolon = SyntaxFactory.Token(SyntaxKind.SemicolonToken).WithTrailingTrivia(SyntaxFactory.Space);
        AccessorListSyntax accessors = SyntaxFactory.AccessorList(
            SyntaxFactory.Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(SyntaxFactory.Space),
            SyntaxFactory.List(new[]
            {
                SyntaxFactory.AccessorDeclaration(SyntaxKind.GetAccessorDeclaration).WithSemicolonToken(semicolon),
                SyntaxFactory.AccessorDeclaration(SyntaxKind.InitAccessorDeclaration).WithSemicolonToken(semicolon),
            }),
            SyntaxFactory.Token(SyntaxKind.CloseBraceToken));
        PropertyDeclarationSyntax property = SyntaxFactory.PropertyDeclaration(
            field.AttributeLists, modifiers, field.Declaration.Type, null, variable.Identifier.WithTrailingTrivia(SyntaxFactory.Space), accessors);
        if (variable.Initializer is { } initializer)
        {
            property = property
                .WithAccessorList(accessors.WithTrailingTrivia(SyntaxFactory.Space))
                .WithInitializer(initializer.WithValue(initializer.Value.WithoutTrailingTrivia()))
                .WithSemicolonToken(field.SemicolonToken);
        }
        else
        {
            property = property.WithAccessorList(accessors.WithTrailingTrivia(field.SemicolonToken.TrailingTrivia));
        }

        return property.WithLeadingTrivia(field.GetLeadingTrivia());
    }
}
