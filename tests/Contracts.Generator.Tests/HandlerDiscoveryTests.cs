using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>Which declarations are wired as handlers, and names that must not collide.</summary>
public sealed class HandlerDiscoveryTests
{
    [Fact]
    public void RecordClassHandlerIsWired()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;

            namespace Shop;

            [Command] public partial record Ship([property: IdempotencyKey] Guid OrderId);

            public sealed record ShipHandler : ICommandHandler<Ship>
            {
                public ValueTask HandleAsync(Ship command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            }
            """);

        Assert.Contains("builder.AddCommandHandler<global::Shop.Ship, global::Shop.ShipHandler>(", run.Source("ContractsModule.g.cs"));
    }

    [Fact]
    public void HandlerOnlyInheritingTheInterfaceIsNotWired()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;

            namespace Shop;

            [Command] public partial record Ship([property: IdempotencyKey] Guid OrderId);

            public abstract class ShipHandlerBase : ICommandHandler<Ship>
            {
                public ValueTask HandleAsync(Ship command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
            }

            public sealed class DerivedShipHandler : ShipHandlerBase
            {
            }
            """);

        string module = run.Source("ContractsModule.g.cs");
        Assert.DoesNotContain("DerivedShipHandler", module);
        Assert.DoesNotContain("ShipHandlerBase", module);
    }

    [Fact]
    public void HandlerWithBaseClassAndSeveralInterfacesIsWiredForEach()
    {
        // The handler's interfaces are read from its symbol, entry by entry after the base class: each must land on its own message.
        GeneratorRun run = GeneratorHarness.Run("""
            using System;
            using System.Threading;
            using System.Threading.Tasks;
            using Contracts;

            namespace Shop;

            [Command] public partial record Ship([property: IdempotencyKey] Guid OrderId);
            [Event] public partial record Shipped([property: IdempotencyKey] Guid OrderId);
            public sealed record Tracking(string Code);
            [Query] public partial record Track(Guid OrderId) : IQuery<Tracking?>;

            public abstract class HandlerBase : IDisposable
            {
                public void Dispose() { }
            }

            public sealed class Shipping : HandlerBase, ICommandHandler<Ship>, IComparable, global::Contracts.IEventHandler<Shipped>, Contracts.IQueryHandler<Track, Tracking?>
            {
                public int CompareTo(object? other) => 0;
                public ValueTask HandleAsync(Ship command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
                public ValueTask HandleAsync(Shipped @event, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
                public ValueTask<Tracking?> HandleAsync(Track query, MessageContext context, CancellationToken cancellationToken) => ValueTask.FromResult<Tracking?>(null);
            }
            """);

        string module = run.Source("ContractsModule.g.cs");
        Assert.Contains("builder.AddCommandHandler<global::Shop.Ship, global::Shop.Shipping>(", module);
        Assert.Contains("builder.AddEventHandler<global::Shop.Shipped, global::Shop.Shipping>(", module);
        Assert.Contains("builder.AddQueryHandler<global::Shop.Track, global::Shop.Tracking?, global::Shop.Shipping>(", module);
    }

    [Fact]
    public void NestedTypeFormatterNamesDoNotCollide()
    {
        // A.B_C and A_B.C flatten to the same identifier unless underscores are escaped.
        GeneratorRun run = GeneratorHarness.Run("""
            using Contracts;

            namespace A
            {
                public sealed record B_C(int X);
            }

            namespace A_B
            {
                public sealed record C(string Y);
            }

            namespace Shop
            {
                [Event] public partial record Both(A.B_C First, A_B.C Second);
            }
            """);

        string source = run.Source("Contracts.Shop.Both.g.cs");
        Assert.Contains("class __ContractsFormatter_A_B__C ", source);
        Assert.Contains("class __ContractsFormatter_A__B_C ", source);
    }
}
