using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>
/// CTR002: marks the handler [Idempotent], or puts [IdempotencyKey] on one of the contract's members (one fix per
/// member that can be a key; <c>[property: IdempotencyKey]</c> on a positional record's parameter).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(IdempotencyCodeFix)), Shared]
public sealed class IdempotencyCodeFix : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.NotIdempotent];

    /// <inheritdoc />
    public override FixAllProvider? GetFixAllProvider() => null; // each fix is a judgement about one handler or member

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan).FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration
                || model.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol handler)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Mark '{handler.Name}' [Idempotent]",
                    ct => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(declaration, SyntaxEdits.AddAttributeOnOwnLine(declaration, SyntaxEdits.Attribute("Idempotent"))))),
                    equivalenceKey: "Idempotent"),
                diagnostic);

            foreach (INamedTypeSymbol contract in UnkeyedContracts(handler, declaration, model, context.CancellationToken))
            {
                ContractValidity.Analyze(contract, model.Compilation, out ObjectShape? shape);
                foreach (MemberShape member in shape?.Members ?? [])
                {
                    if (!WireKinds.IsKey(member.Type) || KeyTarget(member, context.CancellationToken) is not { } target)
                    {
                        continue;
                    }

                    Document? document = context.Document.Project.Solution.GetDocument(target.SyntaxTree);
                    if (document is null)
                    {
                        continue;
                    }

                    context.RegisterCodeFix(
                        CodeAction.Create(
                            $"Make '{contract.Name}.{member.Property.Name}' the idempotency key",
                            ct => AddKeyAsync(document, target, ct),
                            equivalenceKey: "IdempotencyKey." + contract.Name + "." + member.Property.Name),
                        diagnostic);
                }
            }
        }
    }

    /// <summary>The contracts named in the diagnostic's base list entries (a handler may handle several).</summary>
    private static IEnumerable<INamedTypeSymbol> UnkeyedContracts(INamedTypeSymbol handler, TypeDeclarationSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        var seen = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (INamedTypeSymbol @interface in handler.Interfaces)
        {
            if (HandlerRule.KindOfInterface(@interface) is ContractKind.Command or ContractKind.Event
                && @interface.TypeArguments[0] is INamedTypeSymbol contract
                && !ContractKinds.HasIdempotencyKey(contract)
                && contract.Locations.Any(l => l.IsInSource)
                && seen.Add(contract))
            {
                yield return contract;
            }
        }
    }

    /// <summary>The syntax that takes the attribute: the positional parameter, else the property declaration.</summary>
    private static SyntaxNode? KeyTarget(MemberShape member, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in member.Property.DeclaringSyntaxReferences)
        {
            SyntaxNode node = reference.GetSyntax(cancellationToken);
            if (node is ParameterSyntax or PropertyDeclarationSyntax)
            {
                return node;
            }
        }

        return null;
    }

    private static async Task<Solution> AddKeyAsync(Document document, SyntaxNode target, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SyntaxNode replacement = target switch
        {
            ParameterSyntax parameter => SyntaxEdits.AddAttributeInline(parameter, SyntaxEdits.Attribute("IdempotencyKey", targetProperty: true)),
            PropertyDeclarationSyntax property => SyntaxEdits.AddAttributeOnOwnLine(property, SyntaxEdits.Attribute("IdempotencyKey")),
            _ => target,
        };

        return document.WithSyntaxRoot(root.ReplaceNode(target, replacement)).Project.Solution;
    }
}
