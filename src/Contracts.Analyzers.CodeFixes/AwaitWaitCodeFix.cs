using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>
/// CTR017, in async code: <c>Thread.Sleep(x)</c> becomes <c>await Task.Delay(x, token)</c> and <c>semaphore.Wait()</c>
/// becomes <c>await semaphore.WaitAsync(token)</c>, with the method's own cancellation token when it has one. A wait in
/// code that is not async, or a <c>Wait</c> with arguments other than that token, is left to the developer.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AwaitWaitCodeFix)), Shared]
public sealed class AwaitWaitCodeFix : SyntaxCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.ThreadBlocking];

    /// <inheritdoc />
    protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticIds.FixProperty, out string? fix)
            || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } invocation
            || invocation.Expression is not MemberAccessExpressionSyntax access
            || !SyntaxEdits.InAsyncCode(invocation))
        {
            return;
        }

        diagnostic.Properties.TryGetValue(DiagnosticIds.TokenProperty, out string? token);
        ArgumentListSyntax arguments = invocation.ArgumentList;
        ExpressionSyntax call;
        string title;
        if (fix == DiagnosticIds.FixAwaitDelay && invocation.Parent is ExpressionStatementSyntax && arguments.Arguments.Count == 1)
        {
            // Thread.Sleep(int) and Thread.Sleep(TimeSpan) have Task.Delay(int, CancellationToken) and Task.Delay(TimeSpan, CancellationToken).
            ExpressionSyntax delay = SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxEdits.FrameworkType("System.Threading.Tasks.Task"), SyntaxFactory.IdentifierName("Delay"));
            call = SyntaxFactory.InvocationExpression(delay, token is null ? arguments : SyntaxEdits.Append(arguments, SyntaxFactory.Argument(SyntaxFactory.IdentifierName(token))));
            title = "Use 'await Task.Delay'";
        }
        else if (fix == DiagnosticIds.FixAwaitWaitAsync && (arguments.Arguments.Count == 0 || arguments.Arguments.Count == 1 && arguments.Arguments[0] is { NameColon: null, Expression: IdentifierNameSyntax passed } && passed.Identifier.ValueText == token))
        {
            MemberAccessExpressionSyntax waitAsync = access.WithName(SyntaxFactory.IdentifierName("WaitAsync").WithTriviaFrom(access.Name));
            call = SyntaxFactory.InvocationExpression(waitAsync, token is null || arguments.Arguments.Count == 1 ? arguments : SyntaxEdits.Append(arguments, SyntaxFactory.Argument(SyntaxFactory.IdentifierName(token))));
            title = "Use 'await WaitAsync'";
        }
        else
        {
            return;
        }

        ExpressionSyntax awaited = SyntaxEdits.Await(invocation, call);
        context.RegisterCodeFix(
            CodeAction.Create(title, _ => Replace(context, root, invocation, awaited), equivalenceKey: nameof(AwaitWaitCodeFix)),
            diagnostic);
    }
}
