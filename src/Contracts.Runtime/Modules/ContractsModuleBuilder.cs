using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Contracts.Modules;

/// <summary>Collects what generated modules contribute. Generated code calls it; applications rarely do.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class ContractsModuleBuilder
{
    private readonly List<ContractDescriptor> _contracts = [];
    private readonly List<HandlerDescriptor> _handlers = [];
    private readonly List<HandlerDescriptor> _upcastHandlers = [];
    private readonly IServiceCollection _services;

    internal ContractsModuleBuilder(IServiceCollection services) => _services = services;

    internal IReadOnlyList<ContractDescriptor> Contracts => _contracts;

    /// <summary>
    /// The handlers, and for each handler of a contract that reads older versions (<see cref="UpcastFromAttribute"/>) one
    /// that upcasts each older message to it, unless the older version has a handler of its own there (a command's or
    /// query's only handler; an event's handler of the same class): the explicit one wins.
    /// </summary>
    internal IReadOnlyList<HandlerDescriptor> Handlers
    {
        get
        {
            if (_upcastHandlers.Count == 0)
            {
                return _handlers;
            }

            var all = new List<HandlerDescriptor>(_handlers.Count + _upcastHandlers.Count);
            all.AddRange(_handlers);
            foreach (HandlerDescriptor upcast in _upcastHandlers)
            {
                bool handled = false;
                foreach (HandlerDescriptor own in _handlers)
                {
                    handled |= own.Contract == upcast.Contract && (own.Contract.Kind != MessageKind.Event || own.HandlerType == upcast.HandlerType);
                }

                if (!handled)
                {
                    all.Add(upcast);
                }
            }

            return all;
        }
    }

    /// <summary>The application's services: a module registers what its handlers need here.</summary>
    public IServiceCollection Services => _services;

    /// <summary>Adds contract <typeparamref name="T"/> to the catalog.</summary>
    /// <typeparam name="T">The contract.</typeparam>
    public void AddContract<T>()
        where T : class, IContract<T>
    {
        ContractDescriptor descriptor = T.Contract;
        if (!_contracts.Contains(descriptor))
        {
            _contracts.Add(descriptor);
        }
    }

    /// <summary>Adds <typeparamref name="THandler"/> as the handler of command <typeparamref name="TCommand"/>.</summary>
    /// <typeparam name="TCommand">The command.</typeparam>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="factory">Creates the handler from the scope's services (generated, so no reflection); <see langword="null"/> lets DI construct it.</param>
    public void AddCommandHandler<TCommand, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(Func<IServiceProvider, THandler>? factory = null)
        where TCommand : class, ICommand, IContract<TCommand>
        where THandler : class, ICommandHandler<TCommand>
    {
        AddContract<TCommand>();
        AddService(factory);
        AddWithUpcasts(new CommandHandlerDescriptor<TCommand, THandler>(factory));
    }

    /// <summary>Adds <typeparamref name="THandler"/> as a subscriber of event <typeparamref name="TEvent"/>.</summary>
    /// <typeparam name="TEvent">The event.</typeparam>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="factory">Creates the handler from the scope's services; <see langword="null"/> lets DI construct it.</param>
    public void AddEventHandler<TEvent, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(Func<IServiceProvider, THandler>? factory = null)
        where TEvent : class, IEvent, IContract<TEvent>
        where THandler : class, IEventHandler<TEvent>
    {
        AddContract<TEvent>();
        AddService(factory);
        AddWithUpcasts(new EventHandlerDescriptor<TEvent, THandler>(factory));
    }

    /// <summary>Adds <typeparamref name="THandler"/> as the handler of query <typeparamref name="TQuery"/>.</summary>
    /// <typeparam name="TQuery">The query.</typeparam>
    /// <typeparam name="TResult">Its result.</typeparam>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="factory">Creates the handler from the scope's services; <see langword="null"/> lets DI construct it.</param>
    public void AddQueryHandler<TQuery, TResult, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(Func<IServiceProvider, THandler>? factory = null)
        where TQuery : class, IQuery<TResult>, IContract<TQuery>
        where THandler : class, IQueryHandler<TQuery, TResult>
    {
        AddContract<TQuery>();
        AddService(factory);
        _handlers.Add(new QueryHandlerDescriptor<TQuery, TResult, THandler>(factory));
    }

    /// <summary>
    /// Adds one step of saga <typeparamref name="TSaga"/>: the message <typeparamref name="TMessage"/>, found by
    /// <paramref name="correlate"/> (the generated read of its <see cref="SagaIdAttribute"/> member).
    /// </summary>
    /// <typeparam name="TSaga">The saga.</typeparam>
    /// <typeparam name="TState">Its state.</typeparam>
    /// <typeparam name="TMessage">The command or event of the step.</typeparam>
    /// <param name="factory">Creates the saga object for a step; <see langword="null"/> lets DI construct it.</param>
    /// <param name="correlate">The instance id of a message, as stored.</param>
    /// <param name="starts">Whether the message may start an instance (<see cref="IStartedBy{TMessage}"/>).</param>
    public void AddSagaStep<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSaga, TState, TMessage>(
        Func<IServiceProvider, TSaga>? factory, Func<TMessage, string> correlate, bool starts)
        where TSaga : Saga<TState>, Sagas.ISagaDefinition<TState>, IHandles<TMessage>
        where TState : class, new()
        where TMessage : class, IContract<TMessage>
    {
        ArgumentNullException.ThrowIfNull(correlate);
        AddContract<TMessage>();
        AddService(factory);
        _handlers.Add(new Sagas.SagaStepDescriptor<TSaga, TState, TMessage>(factory, correlate, starts));
    }

    /// <summary>
    /// Adds a handler of a kind the core does not define (a saga step, a projection): <paramref name="handler"/> derives
    /// from <see cref="HandlerDescriptor"/> and calls its handler in <see cref="HandlerDescriptor.InvokeAsync"/>. Its
    /// contract joins the catalog; it gets an endpoint, routing and the consume pipeline like any handler (one per
    /// command or query, a subscription of its own per event).
    /// </summary>
    /// <param name="handler">The handler's descriptor.</param>
    public void AddHandler(HandlerDescriptor handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (!_contracts.Contains(handler.Contract))
        {
            _contracts.Add(handler.Contract);
        }

        _handlers.Add(handler);
    }

    /// <summary>Adds <paramref name="handler"/>, and one handler per older version its contract reads, through their own older versions too.</summary>
    private void AddWithUpcasts(HandlerDescriptor handler)
    {
        _handlers.Add(handler);
        AddUpcasts(handler);
    }

    private void AddUpcasts(HandlerDescriptor handler)
    {
        IReadOnlyList<ContractUpcast> upcasts = handler.Contract.OlderVersions;
        for (int i = 0; i < upcasts.Count; i++)
        {
            HandlerDescriptor older = upcasts[i].Adapt(handler);
            if (!_contracts.Contains(older.Contract))
            {
                _contracts.Add(older.Contract);
            }

            _upcastHandlers.Add(older);
            AddUpcasts(older);
        }
    }

    private void AddService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(Func<IServiceProvider, THandler>? factory)
        where THandler : class
    {
        // TryAdd: an application that registered the handler itself (another lifetime, a decorator) keeps its registration.
        if (factory is null)
        {
            _services.TryAddTransient<THandler>();
        }
        else
        {
            _services.TryAddTransient(factory);
        }
    }
}
