using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>The code fixes of CTR016, CTR017, CTR020 and CTR022, and where each leaves the code alone.</summary>
public sealed class LaterRuleFixTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId);
        [Event] public partial record OrderPlaced([property: IdempotencyKey] Guid OrderId);

        """;

    [Fact]
    public Task An_async_void_method_returns_Task() => ContractsTest.FixAsync(Usings + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                _ = Notify();
                return default;
            }

            private static Task Notify() => Task.CompletedTask;

            private async void {|CTR016:Log|}(string text) => await Console.Out.WriteLineAsync(text);
        }
        """, Usings + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                _ = Notify();
                return default;
            }

            private static Task Notify() => Task.CompletedTask;

            private async Task Log(string text) => await Console.Out.WriteLineAsync(text);
        }
        """);

    [Fact]
    public Task A_thread_blocking_wait_in_async_code_is_awaited_with_the_methods_token_and_one_in_sync_code_is_left() => ContractsTest.FixAsync(Usings + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            private readonly SemaphoreSlim _gate = new(1);

            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                {|CTR017:Thread.Sleep(100)|};
                {|CTR017:_gate.Wait()|};
                try
                {
                    await PauseAsync();
                    Pause();
                }
                finally
                {
                    _gate.Release();
                }
            }

            // No token in this helper: Task.Delay without one.
            private static async Task PauseAsync()
            {
                {|CTR017:Thread.Sleep(TimeSpan.FromMilliseconds(5))|};
                await Task.Yield();
            }

            // Not async: no await can go here, so no fix.
            private static void Pause() => {|CTR017:Thread.Sleep(1)|};
        }
        """, Usings + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            private readonly SemaphoreSlim _gate = new(1);

            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await Task.Delay(100, cancellationToken);
                await _gate.WaitAsync(cancellationToken);
                try
                {
                    await PauseAsync();
                    Pause();
                }
                finally
                {
                    _gate.Release();
                }
            }

            // No token in this helper: Task.Delay without one.
            private static async Task PauseAsync()
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5));
                await Task.Yield();
            }

            // Not async: no await can go here, so no fix.
            private static void Pause() => Thread.Sleep(1);
        }
        """,
        iterations: 3,
        remaining: [new DiagnosticResult("CTR017", DiagnosticSeverity.Warning).WithSpan(35, 36, 35, 51)]);

    [Fact]
    public Task A_wait_given_the_token_keeps_it_and_its_result_is_awaited_in_place() => ContractsTest.FixAsync(Usings + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            private readonly SemaphoreSlim _gate = new(1);

            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                {|CTR017:_gate.Wait(cancellationToken)|};
                _gate.Release();
                await Task.Yield();
            }
        }
        """, Usings + """
        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            private readonly SemaphoreSlim _gate = new(1);

            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await _gate.WaitAsync(cancellationToken);
                _gate.Release();
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task Public_fields_become_init_properties_and_a_private_setter_becomes_init() => ContractsTest.FixAsync(Usings + """
        [Event]
        public partial record Shipped(Guid OrderId)
        {
            /// <summary>What the courier said.</summary>
            public string {|CTR020:Note|} = "";

            public decimal {|CTR020:Total|};

            public int {|CTR020:Parcels|} { get; private set; }
        }
        """, Usings + """
        [Event]
        public partial record Shipped(Guid OrderId)
        {
            /// <summary>What the courier said.</summary>
            public string Note { get; init; } = "";

            public decimal Total { get; init; }

            public int Parcels { get; init; }
        }
        """,
        iterations: 3);

    [Fact]
    public Task A_bus_call_in_HandleAsync_goes_through_the_context_and_one_in_a_helper_is_left() => ContractsTest.FixAsync(Usings + """
        public sealed class PlaceOrderHandler(IMessageBus bus) : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await {|CTR022:bus.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken: cancellationToken)|};
                await AuditAsync(command, cancellationToken);
            }

            // The helper has no context to call.
            private ValueTask AuditAsync(PlaceOrder command, CancellationToken cancellationToken) =>
                {|CTR022:bus.PublishAsync(new OrderPlaced(command.OrderId), null, cancellationToken)|};
        }
        """, Usings + """
        public sealed class PlaceOrderHandler(IMessageBus bus) : ICommandHandler<PlaceOrder>
        {
            public async ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken)
            {
                await context.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken: cancellationToken);
                await AuditAsync(command, cancellationToken);
            }

            // The helper has no context to call.
            private ValueTask AuditAsync(PlaceOrder command, CancellationToken cancellationToken) =>
                bus.PublishAsync(new OrderPlaced(command.OrderId), null, cancellationToken);
        }
        """,
        compilationEnd: true,
        remaining: [new DiagnosticResult("CTR022", DiagnosticSeverity.Warning).WithSpan(18, 9, 18, 84)]);
}
