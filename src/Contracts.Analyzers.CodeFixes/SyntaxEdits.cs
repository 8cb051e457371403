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

    /// <summary>Whether <paramref name="node"/> is in an async method, local function or lambda, where an await can go.</summary>
    public static bool InAsyncCode(SyntaxNode node)
    {
        foreach (SyntaxNode ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax local:
                    return local.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case MethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>await <paramref name="expression"/></c> in place of <paramref name="replaced"/>, with its trivia; parenthesized
    /// where the result is used as a receiver (<c>(await x).Y</c>).
    /// </summary>
    public static ExpressionSyntax Await(ExpressionSyntax replaced, ExpressionSyntax expression)
    {
        ExpressionSyntax awaited = SyntaxFactory.AwaitExpression(expression.WithoutTrivia());
        if (replaced.Parent is MemberAccessExpressionSyntax or ConditionalAccessExpressionSyntax or ElementAccessExpressionSyntax)
        {
            awaited = SyntaxFactory.ParenthesizedExpression(awaited);
        }

        return awaited.WithLeadingTrivia(replaced.GetLeadingTrivia()).WithTrailingTrivia(replaced.GetTrailingTrivia());
    }

    /// <summary><paramref name="arguments"/> with <paramref name="argument"/> appended, comma and space before it.</summary>
    public static ArgumentListSyntax Append(ArgumentListSyntax arguments, ArgumentSyntax argument) =>
        arguments.WithArguments(arguments.Arguments.Count == 0
            ? SyntaxFactory.SingletonSeparatedList(argument)
            : SyntaxFactory.SeparatedList<ArgumentSyntax>(arguments.Arguments.GetWithSeparators().Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space)).Add(argument)));

    /// <summary>A type in the framework by its full name (<c>System.Threading.Tasks.Task</c>); the simplifier shortens it where a using allows.</summary>
    public static TypeSyntax FrameworkType(string fullName) =>
        SyntaxFactory.ParseTypeName("global::" + fullName).WithAdditionalAnnotations(Simplifier.Annotation);
}
