using System.Linq;
using Contracts.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>
/// The constructor a contract is built with: the one with the most parameters that all bind properties, and of equals
/// the first in <see cref="INamedTypeSymbol.InstanceConstructors"/> order. The rules read the constructors from the
/// type's members instead (one array read fewer per contract); these cases hold that both lists give the same choice.
/// </summary>
public sealed class ConstructorChoiceTests
{
    public static TheoryData<string> Ties => new()
    {
        """
        using Contracts;
        namespace Shop;
        [Command]
        public partial class Tie
        {
            public Tie(string name, int count) { Name = name; Count = count; }
            public Tie(int count, string name) { Name = name; Count = count; }
            public string Name { get; }
            public int Count { get; }
        }
        """,
        """
        using Contracts;
        namespace Shop;
        [Command]
        public partial class Tie
        {
            public Tie(int count, string name) { Name = name; Count = count; }
            public Tie(string name, int count) { Name = name; Count = count; }
            public string Name { get; }
            public int Count { get; }
        }
        """,
        """
        using Contracts;
        namespace Shop;
        [Command]
        public partial record Tie(string Name, int Count)
        {
            public Tie(int count, string name) : this(name, count) { }
        }
        """,
    };

    [Theory]
    [MemberData(nameof(Ties))]
    public void Of_equal_constructors_the_first_in_InstanceConstructors_order_is_chosen(string source)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        INamedTypeSymbol type = compilation.GetTypeByMetadataName("Shop.Tie")!;
        IMethodSymbol expected = type.InstanceConstructors.First(c => c.DeclaredAccessibility == Accessibility.Public && c.Parameters.Length == 2);

        ContractValidity.Analyze(type, compilation, out ObjectShape? shape);

        Assert.NotNull(shape);
        Assert.True(SymbolEqualityComparer.Default.Equals(expected, shape.Constructor), $"chose {shape.Constructor}, expected {expected}");
        Assert.Equal(
            expected.Parameters.Select(p => p.Name.ToUpperInvariant()),
            shape.Members.Select(m => m.Property.Name.ToUpperInvariant()));
        GeneratorHarness.Run(compilation);
    }
}
