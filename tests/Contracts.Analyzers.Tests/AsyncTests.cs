using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>CTR012: a handler blocking on async work; CTR013: a handler not passing its token on.</summary>
public sealed class AsyncTests
{
    private const string Contracts = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
        [Event] public partial record OrderPlaced([property: IdempotencyKey] Guid OrderId);

        public static class Store
        {
            public static Task<int> SaveAsync(Guid id) => Task.FromResult(1);
            public static Task<int> SaveAsync(Guid id, CancellationToken cancellationToken) => Task.FromResult(1);
            public static Task LogAsync(string text = "", int level = 0, CancellationToken cancellationToken = default) => Task.CompletedTask;
            public static int Count() => 0;
        }

        """;

    [Fact]
    public Task Blocking_on_a_task_in_a_handler_is_reported() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                int saved = {|#0:Store.SaveAsync(command.OrderId, cancellationToken).Result|};
                {|CTR012:Store.LogAsync("saved", 0, cancellationToken).Wait()|};
                {|CTR012:Store.SaveAsync(command.OrderId, cancellationToken).GetAwaiter().GetResult()|};
                Action later = () => {|CTR012:Store.LogAsync(cancellationToken: cancellationToken).Wait()|};
                return ValueTask.CompletedTask;
            }
        }
        """,
        new DiagnosticResult("CTR012", DiagnosticSeverity.Warning).WithLocation(0).WithMessage("'PlaceOrderHandler' blocks on asynchronous work with '.Result'; await it instead"));

    [Fact]
    public Task Awaiting_and_blocking_outside_a_handler_are_fine() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                int saved = await Store.SaveAsync(command.OrderId, cancellationToken);
                await Store.LogAsync("saved", saved, cancellationToken);
            }
        }

        public sealed class Startup
        {
            public int Run() => Store.SaveAsync(Guid.Empty).Result;
        }
        """);

    [Fact]
    public Task A_call_leaving_out_an_optional_token_is_reported_and_given_the_token() => ContractsTest.FixAsync(
        Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await {|CTR013:context.PublishAsync(new OrderPlaced(command.OrderId))|};
                await {|CTR013:Store.LogAsync("placed", 1)|};
            }
        }
        """,
        Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await context.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken);
                await Store.LogAsync("placed", 1, cancellationToken);
            }
        }
        """,
        iterations: 2);

    [Fact]
    public Task The_token_is_passed_by_name_when_optional_parameters_before_it_are_left_out() => ContractsTest.FixAsync(
        Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken ct)
            {
                await {|CTR013:Store.LogAsync("placed")|};
            }
        }
        """,
        Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken ct)
            {
                await Store.LogAsync("placed", cancellationToken: ct);
            }
        }
        """);

    [Fact]
    public Task A_call_with_an_overload_taking_a_token_is_reported_and_switched_to_it() => ContractsTest.FixAsync(
        Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await {|CTR013:Store.SaveAsync(command.OrderId)|};
                await {|CTR013:Task.Delay(10)|};
            }
        }
        """,
        Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await Store.SaveAsync(command.OrderId, cancellationToken);
                await Task.Delay(10, cancellationToken);
            }
        }
        """,
        iterations: 2);

    [Fact]
    public Task Passing_a_token_explicitly_or_calling_synchronous_code_is_fine() => ContractsTest.AnalyzeAsync(Contracts + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await context.PublishAsync(new OrderPlaced(command.OrderId), CancellationToken.None);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                await Store.SaveAsync(command.OrderId, linked.Token);
                Store.Count();
            }
        }

        public sealed class NotAHandler
        {
            public Task RunAsync() => Task.Delay(10);
        }
        """);
}
