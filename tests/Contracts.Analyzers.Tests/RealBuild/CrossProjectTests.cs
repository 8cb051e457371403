using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>CTR001 and CTR005 across projects: the host's build sees the modules it references and reports what start-up would.</summary>
public sealed class CrossProjectTests
{
    private const string Contracts = """
        using Contracts;
        namespace Shop.Contracts;
        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
        [Event(Name = "shop.order-placed")] public partial record OrderPlaced(Guid OrderId);
        """;

    private static string Handler(string ns, string name) => $$"""
        using Contracts;
        using Shop.Contracts;
        namespace {{ns}};
        public sealed class {{name}} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => default;
        }
        """;

    [Fact]
    public async Task Two_handlers_of_one_command_in_two_referenced_projects_are_reported_by_the_host()
    {
        MetadataReference contracts = await BuildReferenceAsync("Shop.Contracts", [Contracts]);
        MetadataReference billing = await BuildReferenceAsync("Shop.Billing", [Handler("Shop.Billing", "BillingHandler")], contracts);
        MetadataReference shipping = await BuildReferenceAsync("Shop.Shipping", [Handler("Shop.Shipping", "ShippingHandler")], contracts);

        BuildOutput host = await BuildEmulation.BuildAsync(
            BuildEmulation.Compile("Shop.Host", ["public static class Program { public static void Main() { } }"], [contracts, billing, shipping]),
            TestContext.Current.CancellationToken);

        Diagnostic diagnostic = Assert.Single(host.Diagnostics);
        Assert.Equal("CTR001", diagnostic.Id);
        Assert.Equal("'PlaceOrder' has 2 handlers (BillingHandler (Shop.Billing), ShippingHandler (Shop.Shipping)); a command is delivered to exactly one", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_handler_in_the_host_and_one_in_a_referenced_project_are_both_named_at_the_hosts_handler()
    {
        MetadataReference contracts = await BuildReferenceAsync("Shop.Contracts", [Contracts]);
        MetadataReference billing = await BuildReferenceAsync("Shop.Billing", [Handler("Shop.Billing", "BillingHandler")], contracts);

        BuildOutput host = await BuildEmulation.BuildAsync(
            BuildEmulation.Compile("Shop.Host", [Handler("Shop.Host", "HostHandler")], [contracts, billing]),
            TestContext.Current.CancellationToken);

        Diagnostic diagnostic = Assert.Single(host.Diagnostics);
        Assert.Equal("CTR001", diagnostic.Id);
        Assert.True(diagnostic.Location.IsInSource);
        Assert.Contains("(HostHandler, BillingHandler (Shop.Billing))", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_referenced_projects_with_one_contract_name_are_reported_by_the_host_and_each_alone_is_not()
    {
        MetadataReference contracts = await BuildReferenceAsync("Shop.Contracts", [Contracts]);
        MetadataReference other = await BuildReferenceAsync("Crm.Contracts", ["""
            using Contracts;
            namespace Crm;
            [Event(Name = "shop.order-placed")] public partial record OrderPlaced(Guid CustomerId);
            """]);

        BuildOutput host = await BuildEmulation.BuildAsync(
            BuildEmulation.Compile("Host", ["public static class Program { public static void Main() { } }"], [contracts, other]),
            TestContext.Current.CancellationToken);
        BuildOutput alone = await BuildEmulation.BuildAsync(
            BuildEmulation.Compile("Host", ["public static class Program { public static void Main() { } }"], [contracts]),
            TestContext.Current.CancellationToken);

        Diagnostic diagnostic = Assert.Single(host.Diagnostics);
        Assert.Equal("CTR005", diagnostic.Id);
        Assert.Contains("'Crm.OrderPlaced' (Crm.Contracts)", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Contains("'Shop.Contracts.OrderPlaced' (Shop.Contracts)", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.Empty(alone.Diagnostics);
    }

    [Fact]
    public async Task A_contract_in_the_host_with_a_referenced_contracts_name_is_reported_at_the_hosts_contract()
    {
        MetadataReference contracts = await BuildReferenceAsync("Shop.Contracts", [Contracts]);

        BuildOutput host = await BuildEmulation.BuildAsync(
            BuildEmulation.Compile("Host", ["""
                using Contracts;
                namespace Host;
                [Event(Name = "shop.order-placed")] public partial record Placed(Guid OrderId);
                """], [contracts]),
            TestContext.Current.CancellationToken);

        Diagnostic diagnostic = Assert.Single(host.Diagnostics);
        Assert.Equal("CTR005", diagnostic.Id);
        Assert.True(diagnostic.Location.IsInSource);
    }

    /// <summary>Builds a referenced project as its own build would (it must build cleanly) and returns its assembly as a reference.</summary>
    private static async Task<MetadataReference> BuildReferenceAsync(string name, IEnumerable<string> sources, params MetadataReference[] references)
    {
        Compilation? generated = null;
        BuildOutput build = await BuildEmulation.BuildAsync(BuildEmulation.Compile(name, sources, references), TestContext.Current.CancellationToken, c => generated = c);
        Assert.True(build.Diagnostics.IsEmpty, $"{name}:\n{build}");
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = generated!.Emit(image, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    }
}
