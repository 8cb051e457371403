using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Modules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Contracts.Runtime.Tests;

/// <summary>A package adds a handler kind the core does not know (here: a projection) through the module builder.</summary>
public sealed partial class HandlerKindTests
{
    [Event] public partial record Tallied([property: IdempotencyKey] Guid Id, int Amount);

    /// <summary>The new kind: not an <see cref="IEventHandler{TEvent}"/>, so the generator wires nothing for it.</summary>
    public interface IProjection<in TEvent>
    {
        void Apply(TEvent @event, MessageContext context);
    }

    public sealed class Totals : IProjection<Tallied>
    {
        public readonly ConcurrentDictionary<Guid, (int Amount, string Endpoint, int Attempt)> Applied = new();
        public readonly SemaphoreSlim Done = new(0);

        public void Apply(Tallied @event, MessageContext context)
        {
            Applied[@event.Id] = (@event.Amount, context.Endpoint, context.Attempt);
            Done.Release();
        }
    }

    /// <summary>What a projections package would ship: a descriptor that calls the projection for its event.</summary>
    private sealed class ProjectionDescriptor<TEvent, TProjection>() : HandlerDescriptor(TEvent.Contract, typeof(TProjection))
        where TEvent : class, IEvent, IContract<TEvent>
        where TProjection : class, IProjection<TEvent>
    {
        protected internal override ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken)
        {
            Create<TProjection>(context, factory: null).Apply((TEvent)message, context);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ProjectionsModule : ContractsModule
    {
        public static readonly ProjectionsModule Instance = new();

        public override string AssemblyName => "Contracts.Runtime.Tests.Projections";

        public override void Configure(ContractsModuleBuilder builder)
        {
            builder.Services.TryAddSingleton<Totals>();
            builder.AddHandler(new ProjectionDescriptor<Tallied, Totals>());
        }
    }

    [Fact]
    public async Task A_handler_kind_from_another_package_gets_its_own_subscription_and_the_pipeline()
    {
        ContractsModules.Register(ProjectionsModule.Instance);
        await using TestBus host = await TestBus.StartAsync();
        var id = Guid.NewGuid();

        await host.Bus.PublishAsync(new Tallied(id, 7), cancellationToken: TestContext.Current.CancellationToken);

        Totals totals = host.Get<Totals>();
        await Wait.For(totals.Done);
        (int amount, string endpoint, int attempt) = totals.Applied[id];
        Assert.Equal(7, amount);
        Assert.Equal($"{Descriptor.Of<Tallied>().Name}/{typeof(Totals).FullName}", endpoint);
        Assert.Equal(1, attempt);
    }
}
