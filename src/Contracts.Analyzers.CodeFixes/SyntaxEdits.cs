using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Contracts.CodeAnalysis.CodeFixes;

/// <summary>Small syntax edits shared by the code fixes, keeping the user's layout.</summary>
internal static class SyntaxEdits
{
    /// <summary>An attribute list naming a Contracts attribute by its full name; the simplifier shortens it where a using allows.</summary>
    /// <param name="name">The attribute's name in the Contracts namespace, without "Attribute".</param>
    /// <param name="targetProperty">Whether to target the property (<c>[property: X]</c>), as on a positional record's parameter.</param>
    public static AttributeListSyntax Attribute(string name, bool targetProperty = false)
    {
        AttributeListSyntax list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(
            SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::Contracts." + name).WithAdditionalAnnotations(Simplifier.Annotation))));
        return !targetProperty
            ? list
            : list.WithTarget(SyntaxFactory.AttributeTargetSpecifier(SyntaxFactory.Token(SyntaxKind.PropertyKeyword)).WithColonToken(SyntaxFactory.Token(SyntaxKind.ColonToken).WithTrailingTrivia(SyntaxFactory.Space)));
    }

    /// <summary>Adds an attribute list on its own line above a declaration, after any it already has.</summary>
    public static TMember AddAttributeOnOwnLine<TMember>(TMember member, AttributeListSyntax attribute)
        where TMember : MemberDeclarationSyntax
    {
        SyntaxTrivia newLine = NewLine(member);
        SyntaxTriviaList leading = member.GetLeadingTrivia();
        SyntaxTrivia indentation = leading.LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia));
        SyntaxTriviaList indent = indentation == default ? SyntaxTriviaList.Empty : SyntaxFactory.TriviaList(indentation);
        if (member.AttributeLists.Count > 0)
        {
            return (TMember)member.WithAttributeLists(member.AttributeLists.Add(attribute.WithLeadingTrivia(indent).WithTrailingTrivia(newLine)));
        }

        // The declaration's leading trivia (doc comment, indentation) moves to the new attribute; the declaration keeps the indentation.
        TMember bare = member.WithLeadingTrivia(indent);
        return (TMember)bare.WithAttributeLists(SyntaxFactory.SingletonList(attribute.WithLeadingTrivia(leading).WithTrailingTrivia(newLine)));
    }

    /// <summary>The end of line the file uses (the first one found), or a line feed.</summary>
    public static SyntaxTrivia NewLine(SyntaxNode node)
    {
        foreach (SyntaxTrivia trivia in node.SyntaxTree.GetRoot().DescendantTrivia())
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return trivia;
            }
        }

        return SyntaxFactory.LineFeed;
    }

    /// <summary>Adds an attribute list in front of a parameter, on the same line.</summary>
    public static ParameterSyntax AddAttributeInline(ParameterSyntax parameter, AttributeListSyntax attribute)
    {
        SyntaxTriviaList leading = parameter.GetLeadingTrivia();
        return parameter.WithoutLeadingTrivia()
            .WithAttributeLists(parameter.AttributeLists.Insert(0, attribute.WithLeadingTrivia(leading).WithTrailingTrivia(SyntaxFactory.Space)));
    }
}
