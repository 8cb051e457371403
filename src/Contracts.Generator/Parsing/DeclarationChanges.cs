using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Contracts.Generator.Parsing;

/// <summary>
/// The names whose declarations differ between two versions of a file: what an edit can change for code in other files.
/// Every file of a project declares its root namespace, so naming every namespace and type of an edited file would drop
/// every kept parse on every keystroke; a type whose declaration is the same, in the same namespaces and under the same
/// usings and directives, means the same, and a namespace declared before and after still exists.
/// </summary>
internal static class DeclarationChanges
{
    private const string AttributeSuffix = "Attribute";

    /// <summary>
    /// Adds the names <paramref name="before"/> and <paramref name="after"/> declare differently. False when either holds
    /// what can change how any name binds anywhere: a global using, an assembly or module attribute.
    /// </summary>
    public static bool Between(SyntaxTree before, SyntaxTree after, HashSet<string> names)
    {
        if (Declarable(before) is not { } old || Declarable(after) is not { } @new)
        {
            return false;
        }

        if (!SameContext(old, @new))
        {
            // Other usings or directives: any type of the file may mean something else.
            AddAll(old.Members, names);
            AddAll(@new.Members, names);
            return true;
        }

        var oldDeclarations = new Dictionary<string, Declaration>(System.StringComparer.Ordinal);
        var newDeclarations = new Dictionary<string, Declaration>(System.StringComparer.Ordinal);
        Collect(old.Members, "", oldDeclarations, names);
        Collect(@new.Members, "", newDeclarations, names);
        foreach (KeyValuePair<string, Declaration> declared in oldDeclarations)
        {
            if (!newDeclarations.TryGetValue(declared.Key, out Declaration? now) || !declared.Value.SameAs(now))
            {
                declared.Value.AddNames(names);
            }
        }

        foreach (KeyValuePair<string, Declaration> declared in newDeclarations)
        {
            if (!oldDeclarations.ContainsKey(declared.Key))
            {
                declared.Value.AddNames(names);
            }
        }

        return true;
    }

    /// <summary>Adds every name <paramref name="tree"/> declares (a file added or removed); false as for <see cref="Between"/>.</summary>
    public static bool All(SyntaxTree tree, HashSet<string> names)
    {
        if (Declarable(tree) is not { } unit)
        {
            return false;
        }

        AddAll(unit.Members, names);
        return true;
    }

    /// <summary>The file's root, or null when it holds a global using or an assembly or module attribute.</summary>
    private static CompilationUnitSyntax? Declarable(SyntaxTree tree)
    {
        if (tree.GetRoot() is not CompilationUnitSyntax unit || unit.AttributeLists.Count > 0)
        {
            return null;
        }

        foreach (UsingDirectiveSyntax directive in unit.Usings)
        {
            if (!directive.GlobalKeyword.IsKind(SyntaxKind.None))
            {
                return null;
            }
        }

        return unit;
    }

    /// <summary>The same usings and extern aliases at every level, and the same preprocessor directives (#nullable among them).</summary>
    private static bool SameContext(CompilationUnitSyntax old, CompilationUnitSyntax @new)
    {
        var oldContext = new List<SyntaxNode>();
        var newContext = new List<SyntaxNode>();
        Context(old.Externs, old.Usings, old.Members, oldContext);
        Context(@new.Externs, @new.Usings, @new.Members, newContext);
        Directives(old, oldContext);
        Directives(@new, newContext);
        if (oldContext.Count != newContext.Count)
        {
            return false;
        }

        for (int i = 0; i < oldContext.Count; i++)
        {
            if (!oldContext[i].IsEquivalentTo(newContext[i], topLevel: false))
            {
                return false;
            }
        }

        return true;
    }

    private static void Directives(CompilationUnitSyntax unit, List<SyntaxNode> context)
    {
        for (DirectiveTriviaSyntax? directive = unit.GetFirstDirective(); directive is not null; directive = directive.GetNextDirective())
        {
            context.Add(directive);
        }
    }

    private static void Context(SyntaxList<ExternAliasDirectiveSyntax> externs, SyntaxList<UsingDirectiveSyntax> usings, SyntaxList<MemberDeclarationSyntax> members, List<SyntaxNode> context)
    {
        context.AddRange(externs);
        context.AddRange(usings);
        foreach (MemberDeclarationSyntax member in members)
        {
            if (member is BaseNamespaceDeclarationSyntax ns)
            {
                context.Add(ns.Name);
                Context(ns.Externs, ns.Usings, ns.Members, context);
            }
        }
    }

    private static void Collect(SyntaxList<MemberDeclarationSyntax> members, string container, Dictionary<string, Declaration> declarations, HashSet<string> names)
    {
        foreach (MemberDeclarationSyntax member in members)
        {
            switch (member)
            {
                case BaseNamespaceDeclarationSyntax ns:
                    string path = container + ns.Name.ToString() + ".";
                    if (!declarations.ContainsKey("N:" + path))
                    {
                        declarations.Add("N:" + path, new Declaration(NamespaceNames(ns.Name), null));
                    }

                    Collect(ns.Members, path, declarations, names);
                    break;
                case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax:
                    (string name, int arity) = NameOf(member);
                    string key = "T:" + container + name + "`" + arity.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (declarations.TryGetValue(key, out Declaration? parts))
                    {
                        parts.Nodes!.Add(member);
                    }
                    else
                    {
                        declarations.Add(key, new Declaration(null, [member]));
                    }

                    // Nested types are compared as part of their container: a changed nested type changes it too.
                    break;
                case GlobalStatementSyntax:
                    names.Add("Program"); // top-level statements declare it
                    break;
            }
        }
    }

    private static (string Name, int Arity) NameOf(MemberDeclarationSyntax member) => member switch
    {
        TypeDeclarationSyntax type => (type.Identifier.ValueText, type.Arity),
        DelegateDeclarationSyntax @delegate => (@delegate.Identifier.ValueText, @delegate.Arity),
        BaseTypeDeclarationSyntax other => (other.Identifier.ValueText, 0),
        _ => ("", 0),
    };

    private static string[] NamespaceNames(NameSyntax name)
    {
        var parts = new List<string>(2);
        foreach (SyntaxToken token in name.DescendantTokens())
        {
            if (token.IsKind(SyntaxKind.IdentifierToken))
            {
                parts.Add(token.ValueText);
            }
        }

        return parts.ToArray();
    }

    private static void AddAll(SyntaxList<MemberDeclarationSyntax> members, HashSet<string> names)
    {
        foreach (MemberDeclarationSyntax member in members)
        {
            switch (member)
            {
                case BaseNamespaceDeclarationSyntax ns:
                    foreach (string part in NamespaceNames(ns.Name))
                    {
                        Add(part, names);
                    }

                    AddAll(ns.Members, names);
                    break;
                case TypeDeclarationSyntax type:
                    Add(type.Identifier.ValueText, names);
                    AddAll(type.Members, names);
                    break;
                case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax:
                    Add(NameOf(member).Name, names);
                    break;
                case GlobalStatementSyntax:
                    names.Add("Program");
                    break;
            }
        }
    }

    private static void Add(string name, HashSet<string> names)
    {
        if (name.Length == 0)
        {
            return;
        }

        names.Add(name);
        if (name.Length > AttributeSuffix.Length && name.EndsWith(AttributeSuffix, System.StringComparison.Ordinal))
        {
            names.Add(name.Substring(0, name.Length - AttributeSuffix.Length));
        }
    }

    /// <summary>A namespace (only whether it is declared counts) or the parts of a type in one file.</summary>
    private sealed class Declaration(string[]? namespaceParts, List<MemberDeclarationSyntax>? nodes)
    {
        public List<MemberDeclarationSyntax>? Nodes { get; } = nodes;

        public bool SameAs(Declaration other)
        {
            if (Nodes is null || other.Nodes is null)
            {
                return Nodes is null && other.Nodes is null;
            }

            if (Nodes.Count != other.Nodes.Count)
            {
                return false;
            }

            for (int i = 0; i < Nodes.Count; i++)
            {
                if (!Nodes[i].IsEquivalentTo(other.Nodes[i], topLevel: false))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The namespace's parts, or the type's name and those of the types it nests, which may have changed with it.</summary>
        public void AddNames(HashSet<string> names)
        {
            if (namespaceParts is not null)
            {
                foreach (string part in namespaceParts)
                {
                    Add(part, names);
                }
            }

            if (Nodes is not null)
            {
                AddAll(new SyntaxList<MemberDeclarationSyntax>(Nodes), names);
            }
        }
    }
}
