using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>
/// CTR022, in a HandleAsync: calls its MessageContext instead of the injected bus (<c>bus.PublishAsync(e, ...)</c> becomes
/// <c>context.PublishAsync(e, ...)</c>; SendAsync and PublishAsync take the same arguments on both). A QueryAsync given
/// QueryOptions has no such overload on the context and is left alone, as is a call in a helper, which has no context.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseContextCodeFix)), Shared]
public sealed class UseContextCodeFix : SyntaxCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.BusInHandler];

    /// <inheritdoc />
    protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticIds.FixProperty, out string? fix) || fix != DiagnosticIds.FixUseContext
            || !diagnostic.Properties.TryGetValue(DiagnosticIds.ContextProperty, out string? messageContext) || messageContext is null
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
            || invocation.Expression is not MemberAccessExpressionSyntax access
            || access.Name.Identifier.ValueText == "QueryAsync" && !OnlyTokenAfterQuery(invocation.ArgumentList))
        {
            return;
        }

        ExpressionSyntax receiver = SyntaxFactory.IdentifierName(messageContext).WithTriviaFrom(access.Expression);
        context.RegisterCodeFix(
            CodeAction.Create($"Use '{messageContext}'", _ => Replace(context, root, access.Expression, receiver), equivalenceKey: nameof(UseContextCodeFix)),
            diagnostic);
    }

    /// <summary>Whether a QueryAsync is given its query and at most a token by name: MessageContext.QueryAsync(query, cancellationToken).</summary>
    private static bool OnlyTokenAfterQuery(ArgumentListSyntax arguments)
    {
        for (int i = 1; i < arguments.Arguments.Count; i++)
        {
            if (arguments.Arguments[i].NameColon?.Name.Identifier.ValueText != "cancellationToken")
            {
                return false;
            }
        }

        return true;
    }
}
