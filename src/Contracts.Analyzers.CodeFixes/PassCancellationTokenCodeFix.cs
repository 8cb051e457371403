using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>CTR013: passes the handler's cancellation token (as the last argument, or by name when parameters before it were left out).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PassCancellationTokenCodeFix)), Shared]
public sealed class PassCancellationTokenCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.TokenNotPassed];

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticIds.TokenProperty, out string? token) || token is null
                || root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
)
            {
                continue;
            }

            diagnostic.Properties.TryGetValue(DiagnosticIds.TokenParameterProperty, out string? parameter);
            SymbolInfo info = model?.GetSymbolInfo(invocation, context.CancellationToken) ?? default;
            IMethodSymbol? method = info.Symbol as IMethodSymbol ?? info.CandidateSymbols.OfType<IMethodSymbol>().FirstOrDefault();
            ArgumentSyntax argument = SyntaxFactory.Argument(SyntaxFactory.IdentifierName(token));

            // By name when the token's parameter is not next in line (optional parameters before it were left out), or arguments are named.
            if (parameter is not null && (NeedsName(method, invocation, parameter) || invocation.ArgumentList.Arguments.Any(a => a.NameColon is not null)))
            {
                argument = argument.WithNameColon(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(parameter)).WithTrailingTrivia(SyntaxFactory.Space));
            }

            SeparatedSyntaxList<ArgumentSyntax> arguments = invocation.ArgumentList.Arguments;
            SeparatedSyntaxList<ArgumentSyntax> added = arguments.Count == 0
                ? SyntaxFactory.SingletonSeparatedList(argument)
                : SyntaxFactory.SeparatedList<ArgumentSyntax>(
                    arguments.GetWithSeparators().Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space)).Add(argument));
            InvocationExpressionSyntax fixedInvocation = invocation.WithArgumentList(invocation.ArgumentList.WithArguments(added));
            context.RegisterCodeFix(
                CodeAction.Create($"Pass '{token}'", _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(invocation, fixedInvocation))), equivalenceKey: nameof(PassCancellationTokenCodeFix)),
                diagnostic);
        }
    }

    /// <summary>Whether the token's parameter is not the next one after the arguments given (the method as called: an extension's receiver is not counted).</summary>
    private static bool NeedsName(IMethodSymbol? method, InvocationExpressionSyntax invocation, string parameter)
    {
        foreach (IParameterSymbol p in method?.Parameters ?? [])
        {
            if (p.Name == parameter)
            {
                return p.Ordinal != invocation.ArgumentList.Arguments.Count;
            }
        }

        return true;
    }
}
