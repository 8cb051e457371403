using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Contracts.Analyzers.Tests.RealBuild;
using Contracts.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Contracts.Analyzers.Tests.Evolution;

/// <summary>The lock file's text is the same bytes on every build and machine: sorted, invariant, LF, no byte order mark, no paths or times.</summary>
public sealed class LockFileTests
{
    private static readonly string[] s_sources =
    [
        """
        using Contracts;
        namespace Shop.Sales;
        public enum Channel : byte { Web, Store }
        public sealed record Line(string Sku, int Quantity);
        [Command(Name = "shop.place-order")] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, IReadOnlyList<Line> Lines, Channel Channel, decimal? Discount = null);
        [Query(Name = "shop.get-order")] public partial record GetOrder(Guid OrderId) : IQuery<string>;
        """,
        """
        using Contracts;
        namespace Shop;
        [Event(Name = "shop.order-placed", Version = 2)] public partial record OrderPlaced(Guid OrderId, double Total, IReadOnlyDictionary<string, long> Totals, DateTimeOffset At)
        {
            public string? Note { get; init; }
            [MemberIndex(9)] public byte[] Blob { get; init; } = [];
        }
        [Event(Name = "Ärger über Größe")] public partial record Übel(int İ);
        """,
    ];

    [Fact]
    public async Task The_text_does_not_depend_on_culture_file_order_or_paths()
    {
        string first = await LockTextAsync(s_sources, "/home/a/src/App", CultureInfo.GetCultureInfo("tr-TR"));
        string second = await LockTextAsync([s_sources[1], s_sources[0]], @"C:\build\agent\App", CultureInfo.GetCultureInfo("de-DE"));
        string third = await LockTextAsync(s_sources, "/tmp/x", CultureInfo.InvariantCulture);

        Assert.Equal(Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(second));
        Assert.Equal(first, third);
        Assert.DoesNotContain('\r', first);
        Assert.EndsWith("\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("/home", first, StringComparison.Ordinal);
        Assert.Equal(
            LockTest.Header + """
            contract shop.get-order v1 query Shop.Sales.GetOrder
              0 OrderId guid required
            contract shop.order-placed v2 event Shop.OrderPlaced
              0 OrderId guid required
              1 Total float64 required
              2 Totals map<string,int64> required
              3 At datetimeoffset required
              4 Note string? optional
              9 Blob bytes optional
            contract shop.place-order v1 command Shop.Sales.PlaceOrder
              0 OrderId guid required key
              1 Lines array<object<Shop.Sales.Line>> required
              2 Channel enum<uint8> required
              3 Discount decimal? optional
            contract Ärger%20über%20Größe v1 event Shop.Übel
              0 İ int32 required

            """,
            first);
    }

    /// <summary>The CTR041 fix's text for a project without a lock file, built under <paramref name="culture"/>.</summary>
    private static async Task<string> LockTextAsync(string[] sources, string directory, CultureInfo culture)
    {
        CultureInfo before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = culture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            CSharpCompilation compilation = BuildEmulation.Compile("App", sources);
            compilation = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees.Select((t, i) => t.WithFilePath(directory + "/File" + i + ".cs")));
            GeneratorDriver driver = CSharpGeneratorDriver.Create([new Contracts.Generator.ContractsGenerator().AsSourceGenerator()], parseOptions: BuildEmulation.ParseOptions);
            driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out _, TestContext.Current.CancellationToken);
            Assert.Empty(generated.GetDiagnostics(TestContext.Current.CancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error));
            ImmutableArray<Diagnostic> diagnostics = await generated.WithAnalyzers([new ContractLockAnalyzer()]).GetAnalyzerDiagnosticsAsync(TestContext.Current.CancellationToken);
            Diagnostic noLock = Assert.Single(diagnostics, d => d.Id == "CTR041");
            return noLock.Properties["Lock"]!;
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
            CultureInfo.CurrentUICulture = before;
        }
    }
}
