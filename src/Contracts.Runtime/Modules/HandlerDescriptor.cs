using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Modules;

/// <summary>
/// One handler of one contract, as a module registered it. Invoking it creates the handler (with the generated
/// constructor call) and calls it directly: the generic arguments are fixed at compile time, so there is no reflection
/// and no dictionary of types on the way. Commands, events and queries have descriptors in the core; a package that
/// adds a handler kind (saga steps, projections) derives its own and registers it with
/// <see cref="ContractsModuleBuilder.AddHandler"/>: it gets the same endpoints, routing and consume pipeline.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class HandlerDescriptor
{
    private const int Undecided = 0, WithoutScope = 1, InScope = 2;

    private readonly bool _disposable;
    private int _activation;

    /// <summary>Describes <paramref name="handlerType"/> as a handler of <paramref name="contract"/>.</summary>
    /// <param name="contract">The contract handled.</param>
    /// <param name="handlerType">The class that handles it (its full name names event subscriptions).</param>
    protected HandlerDescriptor(ContractDescriptor contract, Type handlerType)
    {
        Contract = contract;
        HandlerType = handlerType;
        HandlerName = handlerType.FullName ?? handlerType.Name;
        _disposable = typeof(IDisposable).IsAssignableFrom(handlerType) || typeof(IAsyncDisposable).IsAssignableFrom(handlerType);
    }

    /// <summary>The contract handled.</summary>
    public ContractDescriptor Contract { get; }

    /// <summary>The handler class.</summary>
    public Type HandlerType { get; }

    /// <summary>The handler's full name, as logs and endpoint names show it.</summary>
    public string HandlerName { get; }

    /// <summary>Runs the handler for <paramref name="message"/>.</summary>
    /// <param name="context">The delivery's context; its services are the delivery's scope.</param>
    /// <param name="message">The message, of the contract's type.</param>
    /// <param name="cancellationToken">Cancels the handler.</param>
    /// <returns>Completes when the handler has.</returns>
    protected internal abstract ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken);

    /// <summary>
    /// Whether this is a saga step: its endpoint defaults to <see cref="DeliveryMode.EffectivelyOnce"/> (so its state,
    /// inbox key and sends commit together on a store with transactions), and the bus needs the store's saga role.
    /// </summary>
    internal virtual bool IsSagaStep => false;

    /// <summary>Whether deliveries create the handler without a DI scope (decided by the first delivery).</summary>
    internal bool CreatedWithoutScope => Volatile.Read(ref _activation) == WithoutScope;

    /// <summary>
    /// Creates the handler for one delivery. The first delivery decides how: a handler the generated module
    /// registered, not disposable, whose constructor resolved only singletons is from then on created from the root
    /// services with no DI scope; any other is resolved from the delivery's scope, as DI would.
    /// </summary>
    /// <typeparam name="THandler">The handler class.</typeparam>
    /// <param name="context">The delivery's context.</param>
    /// <param name="factory">The module's constructor call, or <see langword="null"/> to resolve the handler from DI.</param>
    /// <returns>The handler for this delivery.</returns>
    protected THandler Create<THandler>(MessageContext context, Func<IServiceProvider, THandler>? factory)
        where THandler : class
    {
        switch (Volatile.Read(ref _activation))
        {
            case WithoutScope:
                return factory!(context.Consume.Root);
            case InScope:
                return context.Services.GetRequiredService<THandler>();
        }

        ServiceLifetimes? lifetimes = context.Consume.Lifetimes;
        if (factory is null || lifetimes is null || _disposable || !lifetimes.IsGeneratedRegistration(typeof(THandler), factory))
        {
            Volatile.Write(ref _activation, InScope);
            return context.Services.GetRequiredService<THandler>();
        }

        var probe = new ActivationProbe(context.Services, lifetimes);
        THandler handler = factory(probe);
        Volatile.Write(ref _activation, probe.OnlySingletons ? WithoutScope : InScope);
        return handler;
    }

    /// <inheritdoc />
    public override string ToString() => $"{HandlerName} ({Contract})";
}
