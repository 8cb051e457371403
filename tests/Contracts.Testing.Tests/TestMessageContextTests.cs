using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Contracts.Testing.Tests;

[Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, string Sku, int Quantity);
[Command] public partial record ReserveStock([property: IdempotencyKey] Guid OrderId, string Sku, int Quantity);
[Event] public partial record OrderPlaced([property: IdempotencyKey] Guid OrderId, decimal Total);
[Query] public partial record GetPrice(string Sku) : IQuery<decimal>;

public sealed class Clock
{
    public DateTimeOffset Now { get; init; }
}

/// <summary>A handler as an application writes it: it queries, sends, publishes and reads its context.</summary>
public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
{
    public int LastAttempt { get; private set; }

    public string? LastTenant { get; private set; }

    public DateTimeOffset? LastNow { get; private set; }

    public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
    {
        LastAttempt = context.Attempt;
        LastTenant = context.Headers.TryGetValue("tenant", out string? tenant) ? tenant : null;
        LastNow = context.Services.GetService<Clock>()?.Now;
        decimal price = await context.QueryAsync(new GetPrice(command.Sku), cancellationToken);
        await context.SendAsync(new ReserveStock(command.OrderId, command.Sku, command.Quantity), new SendOptions { Delay = TimeSpan.FromSeconds(5) }, cancellationToken);
        await context.PublishAsync(new OrderPlaced(command.OrderId, price * command.Quantity), cancellationToken);
    }
}

public sealed class TestMessageContextTests
{
    private static ContractDescriptor<T> Contract<T>()
        where T : class, IContract<T> => T.Contract;

    private static string? Key<T>(T message)
        where T : class, IContract<T> => T.GetIdempotencyKey(message);

    private static readonly Guid s_order = Guid.Parse("0196b1c0-0000-7000-8000-000000000001");

    [Fact]
    public async Task A_handler_is_tested_without_a_bus_and_what_it_sent_published_and_queried_is_recorded_in_order()
    {
        TestMessageContext<PlaceOrder> test = TestMessageContext.For(new PlaceOrder(s_order, "sku-1", 3)).RespondTo<GetPrice, decimal>(q => q.Sku == "sku-1" ? 2.5m : 0m);

        await new PlaceOrderHandler().HandleAsync(test.Message, test.Context, CancellationToken.None);

        Assert.Equal(new OrderPlaced(s_order, 7.5m), Assert.Single(test.Published<OrderPlaced>()));
        Assert.Equal(new ReserveStock(s_order, "sku-1", 3), Assert.Single(test.Sent<ReserveStock>()));
        Assert.Equal(new GetPrice("sku-1"), Assert.Single(test.Queried<GetPrice>()));
        Assert.Empty(test.Sent<PlaceOrder>());
        Assert.Equal([MessageKind.Query, MessageKind.Command, MessageKind.Event], [.. test.Recorded.Select(r => r.Kind)]);
        Assert.Equal(TimeSpan.FromSeconds(5), test.Recorded[1].Options?.Delay);
    }

    [Fact]
    public async Task Recorded_messages_carry_the_correlation_and_causation_the_bus_would_give_them()
    {
        Guid messageId = Guid.NewGuid(), correlationId = Guid.NewGuid();
        TestMessageContext<PlaceOrder> test = TestMessageContext.For(new PlaceOrder(s_order, "sku-1", 1), new TestMessageOptions { MessageId = messageId, CorrelationId = correlationId })
            .RespondTo<GetPrice, decimal>(_ => 1m);

        await new PlaceOrderHandler().HandleAsync(test.Message, test.Context, CancellationToken.None);

        Assert.Equal(messageId, test.Context.MessageId);
        Assert.Equal(correlationId, test.Context.CorrelationId);
        Assert.All(test.Recorded, r => Assert.Equal(correlationId, r.CorrelationId));
        Assert.All(test.Recorded, r => Assert.Equal(messageId, r.CausationId));
    }

    [Fact]
    public async Task The_context_carries_the_attempt_headers_services_and_idempotency_key_the_test_gives_it()
    {
        ServiceProvider services = new ServiceCollection().AddSingleton(new Clock { Now = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero) }).BuildServiceProvider();
        TestMessageContext<PlaceOrder> test = TestMessageContext.For(new PlaceOrder(s_order, "sku-1", 1), new TestMessageOptions
        {
            Attempt = 3,
            Headers = new Dictionary<string, string> { ["tenant"] = "north" },
            Services = services,
        }).RespondTo<GetPrice, decimal>(_ => 1m);
        var handler = new PlaceOrderHandler();

        await handler.HandleAsync(test.Message, test.Context, CancellationToken.None);

        Assert.Equal(3, handler.LastAttempt);
        Assert.Equal("north", handler.LastTenant);
        Assert.Equal(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero), handler.LastNow);
        Assert.NotNull(test.Context.IdempotencyKey);
        Assert.Equal(Key(new PlaceOrder(s_order, "sku-1", 1)), test.Context.IdempotencyKey);
        Assert.NotEqual(Key(new PlaceOrder(Guid.NewGuid(), "sku-1", 1)), test.Context.IdempotencyKey);
        Assert.Equal(3, test.Context.Envelope.Attempt);
        Assert.Null(test.Context.Transaction);
        Assert.Equal(Contract<PlaceOrder>().Name, test.Context.Contract.Name);
    }

    [Fact]
    public async Task A_query_the_test_does_not_answer_fails_naming_the_call_that_answers_it()
    {
        TestMessageContext<PlaceOrder> test = TestMessageContext.For(new PlaceOrder(s_order, "sku-1", 1));

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await new PlaceOrderHandler().HandleAsync(test.Message, test.Context, CancellationToken.None));

        Assert.Contains("RespondTo<GetPrice, Decimal>", ex.Message);
        Assert.Empty(test.Published<OrderPlaced>());
    }

    [Fact]
    public async Task A_response_that_throws_fails_the_handler_as_a_failing_query_handler_would()
    {
        TestMessageContext<PlaceOrder> test = TestMessageContext.For(new PlaceOrder(s_order, "sku-1", 1))
            .RespondTo<GetPrice, decimal>(_ => throw new TimeoutException("pricing is down"));

        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(
            async () => await new PlaceOrderHandler().HandleAsync(test.Message, test.Context, CancellationToken.None));

        Assert.Equal("pricing is down", ex.Message);
        Assert.Empty(test.Sent<ReserveStock>());
    }

    [Fact]
    public async Task A_cancelled_token_cancels_a_send_through_the_context()
    {
        TestMessageContext<PlaceOrder> test = TestMessageContext.For(new PlaceOrder(s_order, "sku-1", 1));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await test.Context.SendAsync(new ReserveStock(s_order, "sku-1", 1), cancelled.Token));

        Assert.Empty(test.Recorded);
    }

    [Fact]
    public void Defaults_are_those_of_a_first_delivery_sent_from_outside_a_handler()
    {
        TestMessageContext<OrderPlaced> test = TestMessageContext.For(new OrderPlaced(s_order, 1m));

        Assert.Equal(1, test.Context.Attempt);
        Assert.Equal(test.Context.MessageId, test.Context.CorrelationId);
        Assert.Null(test.Context.CausationId);
        Assert.Empty(test.Context.Headers);
        Assert.Equal(Contract<OrderPlaced>().Name, test.Context.Endpoint);
        Assert.Null(test.Context.Services.GetService(typeof(Clock)));
        Assert.Equal(7, test.Context.MessageId.Version);
    }

    [Fact]
    public void An_attempt_below_one_is_refused()
    {
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => TestMessageContext.For(new OrderPlaced(s_order, 1m), new TestMessageOptions { Attempt = 0 }));

        Assert.Contains("Attempt", ex.Message);
    }
}
