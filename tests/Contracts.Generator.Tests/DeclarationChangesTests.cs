using System.Collections.Generic;
using System.Linq;
using Contracts.Generator.Parsing;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>An edited file names only what it declares differently, so a keystroke in a file of the project's namespace leaves other contracts' parses kept.</summary>
public sealed class DeclarationChangesTests
{
    private const string Util = """
        using System;

        namespace Shop.Tools;

        public static class Util
        {
            public static int Answer() => 42;

            public sealed class Inner { }
        }

        public enum Flag { A }
        """;

    [Fact]
    public void AMethodBodyEditedNamesItsTypeOnly()
    {
        Assert.Equal(Sorted("Util", "Inner"), Names(Util, Util.Replace("=> 42", "=> 43")));
    }

    [Fact]
    public void AnUnchangedFileNamesNothing()
    {
        Assert.Empty(Names(Util, Util));
    }

    [Fact]
    public void ATypeAddedOrMovedIsNamed()
    {
        Assert.Equal(Sorted("Extra"), Names(Util, Util + "\npublic sealed record Extra(int A);"));
        Assert.Equal(Sorted("Shop", "Tools", "Other", "Util", "Inner", "Flag"), Names(Util, Util.Replace("namespace Shop.Tools;", "namespace Shop.Other;")));
    }

    [Fact]
    public void OtherUsingsOrDirectivesNameEverythingInTheFile()
    {
        string[] all = Sorted("Shop", "Tools", "Util", "Inner", "Flag");
        Assert.Equal(all, Names(Util, Util.Replace("using System;", "using System.IO;")));
        Assert.Equal(all, Names(Util, "#nullable disable\n" + Util));
    }

    [Fact]
    public void AGlobalUsingOrAssemblyAttributeCannotBeTold()
    {
        var names = new HashSet<string>();
        Assert.False(DeclarationChanges.Between(GeneratorHarness.Parse(Util, "Util.cs"), GeneratorHarness.Parse("global using System.IO;\n" + Util, "Util.cs"), names));
        Assert.False(DeclarationChanges.Between(GeneratorHarness.Parse(Util, "Util.cs"), GeneratorHarness.Parse("[assembly: System.CLSCompliant(false)]\n" + Util, "Util.cs"), names));
    }

    [Fact]
    public void AnAttributeClassIsAlsoNamedAsItIsApplied()
    {
        Assert.Equal(Sorted("AuditAttribute", "Audit"), Names(Util, Util + "\npublic sealed class AuditAttribute : System.Attribute { }"));
    }

    /// <summary>The names reported, ordinally sorted (the order of a set means nothing).</summary>
    private static string[] Names(string before, string after)
    {
        var names = new HashSet<string>();
        Assert.True(DeclarationChanges.Between(GeneratorHarness.Parse(before, "Util.cs"), GeneratorHarness.Parse(after, "Util.cs"), names));
        return names.Order(System.StringComparer.Ordinal).ToArray();
    }

    private static string[] Sorted(params string[] names) => names.Order(System.StringComparer.Ordinal).ToArray();
}
