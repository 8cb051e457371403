using System.Collections.Immutable;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>CTR016: an <c>async void</c> method returns <c>Task</c> instead, so its failure reaches whoever awaits it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidCodeFix)), Shared]
public sealed class AsyncVoidCodeFix : SyntaxCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.AsyncVoid];

    /// <inheritdoc />
    protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
            || method.ReturnType is not PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword } returnType)
        {
            return;
        }

        TypeSyntax task = SyntaxEdits.FrameworkType("System.Threading.Tasks.Task").WithTriviaFrom(returnType);
        context.RegisterCodeFix(
            CodeAction.Create("Return 'Task' instead of 'void'", _ => Replace(context, root, method, method.WithReturnType(task)), equivalenceKey: nameof(AsyncVoidCodeFix)),
            diagnostic);
    }
}
