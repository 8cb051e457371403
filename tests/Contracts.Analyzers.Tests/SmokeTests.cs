using System.Threading.Tasks;

namespace Contracts.Analyzers.Tests;

public sealed class SmokeTests
{
    [Fact]
    public Task Correct_code_has_no_diagnostics() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, string Sku);

        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }
        """);

    [Fact]
    public Task Two_handlers() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;

        [Command] public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, string Sku);

        public sealed class {|CTR001:A|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }

        public sealed class {|CTR001:B|} : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }
        """);
}
