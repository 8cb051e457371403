using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;

namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>
/// CTR035 across projects: a saga's steps are in its module's manifest, so a project that references the saga's
/// project, or a host that references both the saga's and a handler's, reports a command taken twice, as start-up would.
/// </summary>
public sealed class SagaCrossProjectTests
{
    private const string Orders = """
        using Contracts;
        namespace Shop.Orders;
        [Command] public partial record PlaceOrder([property: SagaId] Guid OrderId);
        [Event] public partial record OrderShipped([property: SagaId] Guid OrderId);
        public sealed record OrderState { public bool Shipped { get; init; } }
        [Saga] public sealed partial class OrderSaga : Saga<OrderState>, IStartedBy<PlaceOrder>, IHandles<OrderShipped>
        {
            public ValueTask HandleAsync(PlaceOrder message, SagaContext context, CancellationToken cancellationToken) => default;
            public ValueTask HandleAsync(OrderShipped message, SagaContext context, CancellationToken cancellationToken)
            {
                context.Complete();
                return default;
            }
        }
        """;

    private const string Billing = """
        using Contracts;
        using Shop.Orders;
        namespace Shop.Billing;
        [Idempotent]
        public sealed class BillingHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """;

    private const string Auditing = """
        using Contracts;
        using Shop.Orders;
        namespace Shop.Auditing;
        [Idempotent]
        public sealed class Audit : IEventHandler<OrderShipped>
        {
            public ValueTask HandleAsync(OrderShipped message, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """;

    private const string Program = "public static class Program { public static void Main() { } }";

    [Fact]
    public async Task A_handler_of_a_command_a_referenced_projects_saga_takes_is_CTR035_at_the_handler()
    {
        MetadataReference orders = await BuildReferenceAsync("Shop.Orders", [Orders]);

        BuildOutput billing = await BuildEmulation.BuildAsync(BuildEmulation.Compile("Shop.Billing", [Billing], [orders]), TestContext.Current.CancellationToken);

        Diagnostic diagnostic = Assert.Single(billing.Diagnostics);
        Assert.Equal("CTR035", diagnostic.Id);
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Equal(
            "Command 'PlaceOrder' is a step of saga 'OrderSaga (Shop.Orders)' and also of handler 'BillingHandler'; a command has exactly one receiver, so only one of them would ever run it",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_host_referencing_a_saga_and_a_handler_of_one_command_reports_CTR035_and_an_event_they_share_is_fine()
    {
        MetadataReference orders = await BuildReferenceAsync("Shop.Orders", [Orders]);
        MetadataReference auditing = await BuildReferenceAsync("Shop.Auditing", [Auditing], orders);
        BuildOutput billingAlone = await BuildEmulation.BuildAsync(BuildEmulation.Compile("Shop.Billing", [Billing.Replace("PlaceOrder", "OrderShipped", StringComparison.Ordinal).Replace("ICommandHandler", "IEventHandler", StringComparison.Ordinal)], [orders]), TestContext.Current.CancellationToken);
        Assert.Empty(billingAlone.Diagnostics); // a saga and a handler of one event: each subscribes

        BuildOutput clean = await BuildEmulation.BuildAsync(BuildEmulation.Compile("Shop.Host", [Program], [orders, auditing]), TestContext.Current.CancellationToken);
        Assert.Empty(clean.Diagnostics);

        MetadataReference billing = await BuildReferenceWithAsync("Shop.Billing", Billing, orders);
        BuildOutput host = await BuildEmulation.BuildAsync(BuildEmulation.Compile("Shop.Host", [Program], [orders, auditing, billing]), TestContext.Current.CancellationToken);

        Diagnostic diagnostic = Assert.Single(host.Diagnostics);
        Assert.Equal("CTR035", diagnostic.Id);
        Assert.False(diagnostic.Location.IsInSource);
        Assert.Equal(
            "Command 'PlaceOrder' is a step of saga 'OrderSaga (Shop.Orders)' and also of handler 'BillingHandler' (Shop.Billing); a command has exactly one receiver, so only one of them would ever run it",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The two-project case with the real SDK: the handler's project prints CTR035, the saga's builds clean.</summary>
    [Fact]
    public async Task Dotnet_build_of_a_project_referencing_a_sagas_project_prints_CTR035()
    {
        string root = Path.Combine(Path.GetTempPath(), "contracts-sagaxproj-" + Guid.NewGuid().ToString("N")[..8]);
        string props = Path.Combine(ShopSampleTests.RepositoryRoot(), "eng", "UseContracts.props");
        try
        {
            Write(root, "Orders", props, Orders, reference: null);
            Write(root, "Billing", props, Billing, reference: "Orders");
            string output = await DotnetBuildTests.RunAsync(Path.Combine(root, "Billing"), "build", "Billing.csproj", "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary");

            string[] printed = [.. output.Split('\n').Select(l => Regex.Match(l, @"(?<severity>error|warning) (?<id>CTR\d+): .*\[(?<project>[^\]]+\.csproj)"))
                .Where(m => m.Success).Select(m => Path.GetFileNameWithoutExtension(m.Groups["project"].Value) + " " + m.Groups["id"].Value).Distinct().Order(StringComparer.Ordinal)];
            Assert.True(printed.SequenceEqual(["Billing CTR035"]), $"dotnet build printed [{string.Join(", ", printed)}]\n{output}");
            Assert.Contains("Command 'PlaceOrder' is a step of saga 'OrderSaga (Orders)' and also of handler 'BillingHandler'", output, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static Task<MetadataReference> BuildReferenceAsync(string name, string[] sources, params MetadataReference[] references) =>
        BuildReferenceAsync(name, sources, allowed: null, references);

    private static Task<MetadataReference> BuildReferenceWithAsync(string name, string source, MetadataReference orders) =>
        BuildReferenceAsync(name, [source], allowed: "CTR035", orders);

    /// <summary>Builds a referenced project (clean but for <paramref name="allowed"/>) and returns its assembly as a reference.</summary>
    private static async Task<MetadataReference> BuildReferenceAsync(string name, string[] sources, string? allowed, params MetadataReference[] references)
    {
        Compilation? generated = null;
        BuildOutput build = await BuildEmulation.BuildAsync(BuildEmulation.Compile(name, sources, references), TestContext.Current.CancellationToken, c => generated = c);
        Assert.True(build.Diagnostics.All(d => d.Id == allowed), $"{name}:\n{build}");
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = generated!.Emit(image, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }

    private static void Write(string root, string name, string props, string source, string? reference)
    {
        string directory = Path.Combine(root, name);
        Directory.CreateDirectory(directory);
        string references = reference is null ? "" : $"""<ItemGroup><ProjectReference Include="../{reference}/{reference}.csproj" /></ItemGroup>""";
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <AssemblyName>{name}</AssemblyName>
              </PropertyGroup>
              <Import Project="{props}" />
              {references}
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Code.cs"), source);
    }
}
