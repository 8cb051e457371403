using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Simplification;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>
/// CTR008: adds the missing <c>IQuery&lt;TResult&gt;</c>, with the result type the query's handler answers with. Offered
/// only when handlers in the solution name exactly one result type: a guessed <c>IQuery&lt;object&gt;</c> would not help.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddQueryInterfaceCodeFix)), Shared]
public sealed class AddQueryInterfaceCodeFix : CodeFixProvider
{
    private static readonly SymbolDisplayFormat s_qualified = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.QueryResult];

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticIds.FixProperty, out string? fix) || fix != DiagnosticIds.FixAddQueryInterface
                || root?.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration
                || model?.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol query)
            {
                continue;
            }

            ITypeSymbol? result = await InferResultAsync(query, context.Document.Project.Solution, context.CancellationToken).ConfigureAwait(false);
            if (result is null)
            {
                continue;
            }

            string display = result.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
            TypeSyntax type = SyntaxFactory.ParseTypeName($"global::Contracts.IQuery<{result.ToDisplayString(s_qualified)}>").WithAdditionalAnnotations(Simplifier.Annotation);
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Implement IQuery<{display}>",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(declaration, AddBaseType(declaration, type)))),
                    equivalenceKey: nameof(AddQueryInterfaceCodeFix)),
                diagnostic);
        }
    }

    /// <summary>The one TResult the solution's IQueryHandler&lt;TQuery, TResult&gt; declarations for this query name, or null.</summary>
    private static async Task<ITypeSymbol?> InferResultAsync(INamedTypeSymbol query, Solution solution, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, ITypeSymbol>();
        foreach (ReferencedSymbol referenced in await SymbolFinder.FindReferencesAsync(query, solution, cancellationToken).ConfigureAwait(false))
        {
            foreach (ReferenceLocation location in referenced.Locations)
            {
                SyntaxNode? root = await location.Document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (root?.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true) is not { } node
                    || node.Parent is not TypeArgumentListSyntax { Arguments.Count: 2 } arguments
                    || arguments.Arguments[0] != node
                    || arguments.Parent is not GenericNameSyntax { Identifier.ValueText: WellKnownNames.QueryHandlerName } handler
                    || handler.FirstAncestorOrSelf<BaseListSyntax>() is null)
                {
                    continue;
                }

                SemanticModel? model = await location.Document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                if (model?.GetTypeInfo(arguments.Arguments[1], cancellationToken).Type is { TypeKind: not TypeKind.Error } result)
                {
                    // Keep "OrderView?" as written: the annotation is part of what the handler promises.
                    if (arguments.Arguments[1] is NullableTypeSyntax && result.IsReferenceType)
                    {
                        result = result.WithNullableAnnotation(NullableAnnotation.Annotated);
                    }

                    results[result.ToDisplayString(s_qualified)] = result;
                }
            }
        }

        return results.Count == 1 ? results.Values.First() : null;
    }

    private static TypeDeclarationSyntax AddBaseType(TypeDeclarationSyntax declaration, TypeSyntax type)
    {
        if (declaration.BaseList is { } baseList)
        {
            // "record Q : Base" becomes "record Q : Base, IQuery<R>": what followed the last type moves after the new one.
            SyntaxNodeOrToken last = baseList.Types.GetWithSeparators().Last();
            SyntaxTriviaList trailing = last.GetTrailingTrivia();
            SeparatedSyntaxList<BaseTypeSyntax> types = SyntaxFactory.SeparatedList<BaseTypeSyntax>(
                baseList.Types.GetWithSeparators().Replace(last, last.WithTrailingTrivia())
                    .Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space))
                    .Add(SyntaxFactory.SimpleBaseType(type).WithTrailingTrivia(trailing)));
            return declaration.WithBaseList(baseList.WithTypes(types));
        }

        // No base list yet: it goes after the name, parameters or type parameters, taking over what followed them.
        SyntaxToken before = declaration.ParameterList?.CloseParenToken ?? declaration.TypeParameterList?.GreaterThanToken ?? declaration.Identifier;
        SyntaxTriviaList after = before.TrailingTrivia;
        TypeDeclarationSyntax stripped = declaration.ReplaceToken(before, before.WithTrailingTrivia());
        BaseListSyntax added = SyntaxFactory.BaseList(
                SyntaxFactory.Token(SyntaxKind.ColonToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space),
                SyntaxFactory.SingletonSeparatedList<BaseTypeSyntax>(SyntaxFactory.SimpleBaseType(type).WithTrailingTrivia(after)));
        return stripped.WithBaseList(added);
    }
}
