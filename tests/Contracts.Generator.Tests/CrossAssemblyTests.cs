using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>Contracts in one assembly, handlers in another, the host in a third.</summary>
public sealed class CrossAssemblyTests
{
    private const string ContractsSource = """
        using System;
        using System.Collections.Generic;
        using Contracts;

        namespace Shop.Contracts;

        public sealed record OrderLine(string Sku, int Quantity);

        [Command]
        public partial record PlaceOrder([property: IdempotencyKey] Guid OrderId, IReadOnlyList<OrderLine> Lines);

        [Event]
        public partial record OrderPlaced(Guid OrderId);

        [Query]
        public partial record GetOrder(Guid OrderId) : IQuery<OrderLine?>;
        """;

    private const string HandlersSource = """
        using System.Threading;
        using System.Threading.Tasks;
        using Contracts;
        using Shop.Contracts;

        namespace Shop.Handlers;

        public sealed class PlaceOrderHandler : ICommandHandler<PlaceOrder>
        {
            public ValueTask HandleAsync(PlaceOrder command, MessageContext context, CancellationToken cancellationToken) =>
                context.PublishAsync(new OrderPlaced(command.OrderId), cancellationToken);
        }

        [Idempotent]
        public sealed class Mailer : IEventHandler<OrderPlaced>
        {
            public ValueTask HandleAsync(OrderPlaced @event, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }

        public sealed class GetOrderHandler : IQueryHandler<GetOrder, OrderLine?>
        {
            public ValueTask<OrderLine?> HandleAsync(GetOrder query, MessageContext context, CancellationToken cancellationToken) =>
                ValueTask.FromResult<OrderLine?>(null);
        }
        """;

    [Fact]
    public void HandlersAssemblyRegistersItsHandlersAndTheReferencedContractsModule()
    {
        MetadataReference contracts = EmitContracts();

        GeneratorRun handlers = GeneratorHarness.Run(GeneratorHarness.Compile("Shop.Handlers", [HandlersSource], [contracts]));

        Assert.Equal(["ContractsModule.g.cs"], handlers.Sources.Keys.ToArray());
        string module = handlers.Source("ContractsModule.g.cs");
        Assert.Contains("public sealed class ContractsModule_Shop_Handlers", module);
        Assert.Contains("global::Contracts.Modules.ContractsModules.Register(global::Contracts.Generated.ContractsModule_Shop_Contracts.Instance);", module);
        Assert.Contains("builder.AddCommandHandler<global::Shop.Contracts.PlaceOrder, global::Shop.Handlers.PlaceOrderHandler>(static services => new global::Shop.Handlers.PlaceOrderHandler());", module);
        Assert.Contains("builder.AddEventHandler<global::Shop.Contracts.OrderPlaced, global::Shop.Handlers.Mailer>(", module);
        Assert.Contains("builder.AddQueryHandler<global::Shop.Contracts.GetOrder, global::Shop.Contracts.OrderLine?, global::Shop.Handlers.GetOrderHandler>(", module);

        // The contracts are the other assembly's: this one neither regenerates nor catalogs them.
        Assert.DoesNotContain("AddContract<", module);

        // The referenced module is registered before this one, so a host sees contracts before their handlers.
        Assert.True(
            module.IndexOf("ContractsModule_Shop_Contracts.Instance", System.StringComparison.Ordinal)
                < module.IndexOf("ContractsModules.Register(Instance)", System.StringComparison.Ordinal));
        GeneratorHarness.VerifySnapshots(handlers);
    }

    [Fact]
    public void HostRegistersEveryReferencedModule()
    {
        MetadataReference contracts = EmitContracts();
        GeneratorRun handlers = GeneratorHarness.Run(GeneratorHarness.Compile("Shop.Handlers", [HandlersSource], [contracts]));
        MetadataReference handlersReference = Emit(handlers.Output);

        GeneratorRun host = GeneratorHarness.Run(GeneratorHarness.Compile(
            "Shop",
            ["namespace Shop; internal static class Program { }"],
            [contracts, handlersReference]));

        string module = host.Source("ContractsModule.g.cs");
        Assert.Contains("Register(global::Contracts.Generated.ContractsModule_Shop_Contracts.Instance);", module);
        Assert.Contains("Register(global::Contracts.Generated.ContractsModule_Shop_Handlers.Instance);", module);
        Assert.DoesNotContain("builder.Add", module);
    }

    [Fact]
    public void HandlerOfAContractCompiledWithoutTheGeneratorIsSkipped()
    {
        // Marked [Command] but compiled without the generator: it has no IContract<T>, so a registration would not compile.
        MetadataReference contracts = Emit(GeneratorHarness.Compile("Legacy.Contracts", ["""
            using Contracts;

            namespace Legacy;

            [Command]
            public sealed record Ping(int Id) : ICommand
            {
                /// <inheritdoc/>
                public ContractDescriptor Descriptor => throw new System.NotSupportedException();
            }
            """], []));

        GeneratorRun handlers = GeneratorHarness.Run(GeneratorHarness.Compile("Legacy.Handlers", ["""
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;

            namespace Legacy;

            public sealed class PingHandler : ICommandHandler<Ping>
            {
                public ValueTask HandleAsync(Ping command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            }
            """], [contracts]));

        Assert.Empty(handlers.Sources);
    }

    private static MetadataReference EmitContracts()
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.Compile("Shop.Contracts", [ContractsSource], []));
        Assert.Contains("Contracts.Shop.Contracts.PlaceOrder.g.cs", run.Sources.Keys);
        return Emit(run.Output);
    }

    private static MetadataReference Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        EmitResult result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Select(GeneratorHarness.Describe)));

        return MetadataReference.CreateFromImage(stream.ToArray());
    }
}
