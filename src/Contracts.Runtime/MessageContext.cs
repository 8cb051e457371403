using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// What a handler knows about the message it handles, and the way to send on: messages sent, published or
/// queried through the context carry the same correlation id, and this message's id as their causation id.
/// </summary>
public sealed class MessageContext
{
    private static readonly IReadOnlyDictionary<string, string> s_noHeaders = new Dictionary<string, string>();
    private readonly Pipeline.ConsumeContext? _consume;
    private readonly MessageContextOutlet? _outlet;
    private readonly string? _endpoint;
    private IServiceProvider? _services;

    /// <remarks>One per attempt of a delivery, so it keeps only what differs from <paramref name="consume"/>: its attempt and transaction.</remarks>
    internal MessageContext(Pipeline.ConsumeContext consume, int attempt, Storage.IConsumeTransaction? transaction)
    {
        _consume = consume;
        Envelope = consume.Envelope;
        Attempt = attempt;
        Transaction = transaction;
    }

    /// <summary>The context of the next inline query on its thread (its delivery's context is recycled with it): first use of its scope again.</summary>
    internal void Recycle(Envelope envelope)
    {
        if (!ReferenceEquals(Envelope, envelope))
        {
            Envelope = envelope; // a write barrier saved when it is the same frame's envelope
        }

        Attempt = envelope.Attempt;
        Transaction = null;
        _services = null;
    }

    /// <summary>
    /// A context outside any delivery, for a handler's unit test (Contracts.Testing builds it): what the handler sends,
    /// publishes or queries goes to <paramref name="outlet"/> instead of a bus.
    /// </summary>
    internal MessageContext(Envelope envelope, MessageContextOutlet outlet, IServiceProvider services, string endpoint, int attempt)
    {
        Envelope = envelope;
        _outlet = outlet;
        _services = services;
        _endpoint = endpoint;
        Attempt = attempt;
    }

    /// <summary>The envelope as it arrived.</summary>
    public Envelope Envelope { get; private set; }

    private MessageBus Bus => Consume.Bus;

    /// <summary>The message id (a UUID v7).</summary>
    public Guid MessageId => Envelope.MessageId;

    /// <summary>The conversation this message belongs to.</summary>
    public Guid CorrelationId => Envelope.CorrelationId;

    /// <summary>The id of the message whose handler sent this one, if any.</summary>
    public Guid? CausationId => Envelope.CausationId;

    /// <summary>The idempotency key, or <see langword="null"/> when the contract has no key members.</summary>
    public string? IdempotencyKey => Envelope.IdempotencyKey;

    /// <summary>Application headers.</summary>
    public IReadOnlyDictionary<string, string> Headers => Envelope.Headers ?? s_noHeaders;

    /// <summary>The delivery attempt, starting at 1: immediate and delayed retries count up from there.</summary>
    public int Attempt { get; private set; }

    /// <summary>
    /// On an <see cref="DeliveryMode.EffectivelyOnce"/> endpoint with a store that supports it, the transaction the
    /// handler's own database work should join (its change, the inbox key and the removal of the message commit
    /// together); otherwise <see langword="null"/>. Store packages give it a typed accessor (SQLite: <c>GetSqliteTransaction()</c>).
    /// </summary>
    public Storage.IConsumeTransaction? Transaction { get; private set; }

    /// <summary>The delivery this context belongs to: sends through a transactional context join its transaction.</summary>
    internal Pipeline.ConsumeContext Consume => _consume ?? throw new InvalidOperationException("This message context belongs to a unit test, not to a delivery.");

    /// <summary>When the producer sent the message.</summary>
    public DateTimeOffset SentAt => Envelope.SentAt;

    /// <summary>The contract of the message.</summary>
    public ContractDescriptor Contract => Envelope.Contract;

    /// <summary>The endpoint the message was delivered on.</summary>
    public string Endpoint => _endpoint ?? Consume.Endpoint;

    /// <summary>
    /// The services of the DI scope of this delivery. The scope is created when first needed: a handler whose
    /// constructor takes only singletons is created without one, and a delivery that never asks costs no scope.
    /// </summary>
    public IServiceProvider Services => _services ??= Consume.CreateScope();

    /// <summary>Sends a command on, in this message's conversation.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the command is accepted by its endpoint.</returns>
    public ValueTask SendAsync<TCommand>(TCommand command, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>
        => _outlet is null ? Bus.SendAsync(command, options: null, parent: this, cancellationToken) : _outlet.SendAsync(command, options: null, this, cancellationToken);

    /// <summary>Sends a command on, in this message's conversation.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="options">Delay, headers and message id.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the command is accepted by its endpoint.</returns>
    public ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>
        => _outlet is null ? Bus.SendAsync(command, options, parent: this, cancellationToken) : _outlet.SendAsync(command, options, this, cancellationToken);

    /// <summary>Publishes an event, in this message's conversation.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>Completes when every subscription accepted the event.</returns>
    public ValueTask PublishAsync<TEvent>(TEvent @event, CancellationToken cancellationToken = default)
        where TEvent : class, IEvent, IContract<TEvent>
        => _outlet is null ? Bus.PublishAsync(@event, options: null, parent: this, cancellationToken) : _outlet.PublishAsync(@event, options: null, this, cancellationToken);

    /// <summary>Publishes an event, in this message's conversation.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="options">Delay, headers and message id.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>Completes when every subscription accepted the event.</returns>
    public ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options, CancellationToken cancellationToken = default)
        where TEvent : class, IEvent, IContract<TEvent>
        => _outlet is null ? Bus.PublishAsync(@event, options, parent: this, cancellationToken) : _outlet.PublishAsync(@event, options, this, cancellationToken);

    /// <summary>Sends or publishes what a saga step recorded, in this message's conversation.</summary>
    internal ValueTask SendAsync(ContractDescriptor contract, object message, SendOptions? options, CancellationToken cancellationToken) =>
        _outlet is null
            ? Bus.SendAsync(contract, message, options, parent: this, cancellationToken)
            : throw new InvalidOperationException("A saga step runs on a bus (the in-memory transport in a test), not on a unit-test message context.");

    /// <summary>Runs a query, in this message's conversation.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancels the wait for the reply.</param>
    /// <returns>The handler's result.</returns>
    public ValueTask<TResult> QueryAsync<TResult>(IQuery<TResult> query, CancellationToken cancellationToken = default)
        => _outlet is null ? Bus.QueryAsync(query, options: null, parent: this, cancellationToken) : _outlet.QueryAsync(query, this, cancellationToken);
}
