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

/// <summary>CTR014: names the inherited handler interface in the class's own base list, or makes a private nested handler internal.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HandlerNotWiredCodeFix)), Shared]
public sealed class HandlerNotWiredCodeFix : SyntaxCodeFix
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.HandlerNotWired];

    /// <inheritdoc />
    protected override void Register(CodeFixContext context, SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(DiagnosticIds.FixProperty, out string? fix)
            || root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration)
        {
            return;
        }

        if (fix == DiagnosticIds.FixAddHandlerInterface
            && diagnostic.Properties.TryGetValue(DiagnosticIds.InterfaceProperty, out string? @interface) && @interface is not null
            && declaration.BaseList is { } baseList)
        {
            // After the last entry, which keeps the line break that followed it.
            BaseTypeSyntax last = baseList.Types[baseList.Types.Count - 1];
            BaseListSyntax added = baseList.WithTypes(SyntaxFactory.SeparatedList<BaseTypeSyntax>(
                baseList.Types.Replace(last, last.WithoutTrailingTrivia()).GetWithSeparators()
                    .Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space))
                    .Add(SyntaxFactory.SimpleBaseType(SyntaxFactory.ParseTypeName(@interface)).WithTrailingTrivia(last.GetTrailingTrivia()))));
            context.RegisterCodeFix(
                CodeAction.Create($"Name '{@interface}' in the base list", _ => Replace(context, root, baseList, added), equivalenceKey: nameof(HandlerNotWiredCodeFix) + fix + @interface),
                diagnostic);
        }
        else if (fix == DiagnosticIds.FixMakeInternal)
        {
            SyntaxTokenList modifiers = declaration.Modifiers;
            SyntaxToken[] access = modifiers.Where(static m => m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.ProtectedKeyword)).ToArray();
            if (access.Length == 0)
            {
                return;
            }

            SyntaxToken @internal = SyntaxFactory.Token(access[0].LeadingTrivia, SyntaxKind.InternalKeyword, access[access.Length - 1].TrailingTrivia);
            SyntaxTokenList replaced = SyntaxFactory.TokenList(modifiers.TakeWhile(m => m != access[0]).Append(@internal).Concat(modifiers.SkipWhile(m => m != access[access.Length - 1]).Skip(1)));
            context.RegisterCodeFix(
                CodeAction.Create($"Make '{declaration.Identifier.ValueText}' internal", _ => Replace(context, root, declaration, declaration.WithModifiers(replaced)), equivalenceKey: nameof(HandlerNotWiredCodeFix) + fix),
                diagnostic);
        }
    }
}
