using Contracts.Testing;

namespace ContractsService.Tests;

/// <summary>A handler's unit test: no bus, a context that records what the handler sent and published.</summary>
public sealed class PlaceOrderHandlerTests
{
    [Fact]
    public async Task Placing_an_order_books_it_and_publishes_its_total()
    {
        var orders = new OrderBook();
        Guid orderId = Guid.NewGuid();
        TestMessageContext<PlaceOrder> test = TestMessageContext.For(new PlaceOrder(orderId, "sku-1", 2));

        await new PlaceOrderHandler(orders).HandleAsync(test.Message, test.Context, TestContext.Current.CancellationToken);

        Assert.Equal(new OrderPlaced(orderId, 42m), Assert.Single(test.Published<OrderPlaced>()));
        Assert.Equal(new OrderStatus(orderId, true, 42m), orders.Find(orderId));
    }
}
