using System.Collections.Generic;
using System.Linq;
using Contracts.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>The hand-spelled type names are exactly what the display formats they replace would write.</summary>
public sealed class TypeNamesTests
{
    private static readonly SymbolDisplayFormat s_plain = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    private static readonly SymbolDisplayFormat s_code = SymbolDisplayFormat.FullyQualifiedFormat
        .WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

    private static readonly SymbolDisplayFormat s_text = s_code.WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.None);

    private const string Source = """
        #nullable enable
        using System;
        using System.Collections.Generic;
        using System.Collections.Immutable;

        public sealed record Global(int X);
        public sealed class @record { public sealed class @var { } }

        namespace @event.async.Orders
        {
            public sealed class @class { }
            public sealed class Plain { public sealed class Inner { } }
        }

        namespace Shop.Orders
        {
            public enum Status : byte { New }
            public sealed class Outer<T> { public sealed class Inner { } public sealed class Deep<U> { } }
            public sealed record Line(string Sku);
            public sealed class Members
            {
                public int? A { get; set; }
                public string? B { get; set; }
                public List<string?> C { get; set; } = [];
                public Dictionary<string, List<Line?>>? D { get; set; }
                public IReadOnlyList<Status?> E { get; set; } = [];
                public ImmutableArray<byte> F { get; set; }
                public int[] G { get; set; } = [];
                public int[][] H { get; set; } = [];
                public int[,] I { get; set; } = new int[0, 0];
                public (int, string) J { get; set; }
                public (int A, string B)? K { get; set; }
                public Outer<int>.Inner L { get; set; } = null!;
                public Outer<Line>.Deep<Status> M { get; set; } = null!;
                public nint N { get; set; }
                public IntPtr O { get; set; }
                public dynamic P { get; set; } = null!;
                public Missing Q { get; set; } = null!;
                public List<Missing> R { get; set; } = null!;
                public object S { get; set; } = null!;
                public DateTime T { get; set; }
                public DateTimeOffset?[] U { get; set; } = [];
                public global::@event.async.Orders.@class V { get; set; } = null!;
                public global::@record.@var W { get; set; } = null!;
                public global::@event.async.Orders.Plain.Inner X { get; set; } = null!;
                public Global Y { get; set; } = null!;
                public unsafe int* Z { get; set; }
                public Func<int, string?> Fn { get; set; } = null!;
            }
        }
        """;

    [Fact]
    public void QualifiedTextAndNamespaceMatchTheirDisplayFormats()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(Source)
            .WithOptions(GeneratorHarness.Compile().Options.WithAllowUnsafe(true));
        var types = new List<ITypeSymbol>();
        foreach (INamedTypeSymbol type in AllTypes(compilation.Assembly.GlobalNamespace))
        {
            types.Add(type);
            types.AddRange(type.GetMembers().OfType<IPropertySymbol>().Select(p => p.Type));
        }

        // The framework's own types: thousands of names, nested and generic ones among them.
        foreach (MetadataReference reference in compilation.References)
        {
            if (compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly
                && assembly.Name is "System.Runtime" or "System.Collections" or "System.Collections.Immutable" or "Contracts.Runtime")
            {
                types.AddRange(AllTypes(assembly.GlobalNamespace).Where(t => t.DeclaredAccessibility == Accessibility.Public));
            }
        }

        Assert.True(types.Count > 1000, $"only {types.Count} types");
        foreach (ITypeSymbol type in types)
        {
            Assert.Equal(type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(s_plain), TypeNames.Qualified(type));
            Assert.Equal(type.ToDisplayString(s_text), TypeNames.Text(type));
            if (type is INamedTypeSymbol named)
            {
                Assert.Equal(named.ContainingNamespace.IsGlobalNamespace ? "" : named.ContainingNamespace.ToDisplayString(s_code), TypeNames.Namespace(named.ContainingNamespace));
            }
        }
    }

    private static IEnumerable<INamedTypeSymbol> AllTypes(INamespaceOrTypeSymbol container)
    {
        foreach (ISymbol member in container.GetMembers())
        {
            if (member is INamespaceOrTypeSymbol inner)
            {
                if (inner is INamedTypeSymbol type)
                {
                    yield return type;
                }

                foreach (INamedTypeSymbol nested in AllTypes(inner))
                {
                    yield return nested;
                }
            }
        }
    }
}
