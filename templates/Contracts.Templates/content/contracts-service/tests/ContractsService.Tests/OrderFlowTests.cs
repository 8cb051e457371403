using Contracts;
using Contracts.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ContractsService.Tests;

/// <summary>The handlers together on a real in-process bus, in memory and on a SQLite file as the service runs them.</summary>
public sealed class OrderFlowTests
{
    [Fact]
    public async Task A_placed_order_is_published_and_the_query_sees_it()
    {
        await using ContractsTestHarness harness = await ContractsTestHarness.StartAsync(
            Services,
            o => o.UseInMemoryTransport());
        await PlaceAndQueryAsync(harness);
    }

    [Fact]
    public async Task The_same_flow_runs_on_durable_SQLite_endpoints()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"ContractsService.Tests-{Guid.NewGuid():N}");
        try
        {
            await using ContractsTestHarness harness = await ContractsTestHarness.StartAsync(
                Services,
                o => o.UseInMemoryTransport().UseSqlite($"Data Source={Path.Combine(folder, "orders.db")}"));
            await PlaceAndQueryAsync(harness);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>What the handlers take, as Program.cs registers it (the host adds logging there; the harness's container starts empty).</summary>
    private static void Services(IServiceCollection services) => services.AddLogging().AddSingleton<OrderBook>();

    private static async Task PlaceAndQueryAsync(ContractsTestHarness harness)
    {
        Guid orderId = Guid.NewGuid();

        await harness.Bus.SendAsync(new PlaceOrder(orderId, "sku-1", 2), cancellationToken: TestContext.Current.CancellationToken);
        await harness.WhenIdleAsync();                                   // the command, the event, and anything they caused

        Assert.Equal([new OrderPlaced(orderId, 42m)], harness.Handled<OrderPlaced>());
        Assert.Empty(harness.DeadLettered<PlaceOrder>());
        OrderStatus status = await harness.Bus.QueryAsync(new GetOrder(orderId), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(new OrderStatus(orderId, true, 42m), status);
    }
}
