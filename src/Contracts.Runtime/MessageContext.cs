using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>
/// What a handler knows about the message it handles, and the way to send on: messages sent, published or
/// queried through the context carry the same correlation id, and this message's id as their causation id.
/// </summary>
/// <remarks>
/// A context is valid while its handler runs, across its awaits, until the handler's task completes. After that
/// every member throws <see cref="ObjectDisposedException"/> (a retry gets a new context): what the delivery used is
/// reused for the next message. Copy what work that outlives the handler needs (<see cref="MessageId"/>,
/// <see cref="Headers"/>) while it runs. The <see cref="Envelope"/> a handler asked for stays its own; an inline
/// query's context follows the stricter rule in <c>docs/queries.md</c>.
/// </remarks>
public sealed class MessageContext
{
    private static readonly IReadOnlyDictionary<string, string> s_noHeaders = new Dictionary<string, string>();
    private readonly Pipeline.ConsumeContext? _consume;
    private readonly UnitTest? _test;

    /// <summary>The attempt of <see cref="_consume"/> this context was made for (see <see cref="Pipeline.ConsumeContext.Lease"/>).</summary>
    private int _lease;

    /// <remarks>
    /// One per attempt of a delivery, and small (it is allocated per delivery): everything it tells is read from
    /// <paramref name="consume"/> while <paramref name="consume"/> is still on the attempt this context was made for.
    /// Once that attempt has ended, the delivery's context may be reused for another delivery, and every member throws.
    /// </remarks>
    internal MessageContext(Pipeline.ConsumeContext consume)
    {
        _consume = consume;
        _lease = consume.Lease;
    }

    /// <summary>The context of the next inline query on its thread (its delivery's context is recycled with it).</summary>
    internal void Recycle() => _lease = _consume!.Lease;

    /// <summary>
    /// A context outside any delivery, for a handler's unit test (Contracts.Testing builds it): what the handler sends,
    /// publishes or queries goes to <paramref name="outlet"/> instead of a bus.
    /// </summary>
    internal MessageContext(Envelope envelope, MessageContextOutlet outlet, IServiceProvider services, string endpoint, int attempt) =>
        _test = new UnitTest(envelope, outlet, services, endpoint, attempt);

    /// <summary>What a unit test's context holds itself: a delivery's context reads it all from its delivery.</summary>
    private sealed record UnitTest(Envelope Envelope, MessageContextOutlet Outlet, IServiceProvider Services, string Endpoint, int Attempt);

    /// <summary>The delivery, while this context's attempt of it lasts.</summary>
    private Pipeline.ConsumeContext Delivery
    {
        get
        {
            Pipeline.ConsumeContext consume = _consume!;
            if (consume.Lease != _lease)
            {
                throw Ended();
            }

            return consume;
        }
    }

    private static ObjectDisposedException Ended() => new(
        nameof(MessageContext),
        "This MessageContext was used after its handler returned: a context belongs to one attempt of one delivery, and is not valid once " +
        "the handler's task has completed (its delivery's resources are reused for the next message). Copy what a background task needs " +
        "(MessageId, CorrelationId, Headers) before the handler returns, and send through IMessageBus from work that outlives the handler.");

    /// <summary>The envelope as it arrived.</summary>
    /// <remarks>
    /// Asking for it makes it the handler's: a queued command's envelope is otherwise reused once the delivery
    /// finished. Reading <see cref="MessageId"/> and the other members instead costs nothing.
    /// </remarks>
    public Envelope Envelope => _test?.Envelope ?? Delivery.EnvelopeGivenOut();

    /// <summary>The envelope, read without marking it as given out (see <see cref="Pipeline.ConsumeContext.EnvelopeGivenOut"/>).</summary>
    private Envelope Current => _test?.Envelope ?? Delivery.Envelope;

    private MessageBus Bus => Consume.Bus;

    /// <summary>The message id (a UUID v7).</summary>
    public Guid MessageId => Current.MessageId;

    /// <summary>The conversation this message belongs to.</summary>
    public Guid CorrelationId => Current.CorrelationId;

    /// <summary>The id of the message whose handler sent this one, if any.</summary>
    public Guid? CausationId => Current.CausationId;

    /// <summary>The idempotency key, or <see langword="null"/> when the contract has no key members.</summary>
    public string? IdempotencyKey => Current.IdempotencyKey;

    /// <summary>Application headers.</summary>
    public IReadOnlyDictionary<string, string> Headers => Current.Headers ?? s_noHeaders;

    /// <summary>The delivery attempt, starting at 1: immediate and delayed retries count up from there.</summary>
    public int Attempt => _test?.Attempt ?? Delivery.Attempt;

    /// <summary>
    /// On an <see cref="DeliveryMode.EffectivelyOnce"/> endpoint with a store that supports it, the transaction the
    /// handler's own database work should join (its change, the inbox key and the removal of the message commit
    /// together); otherwise <see langword="null"/>. Store packages give it a typed accessor (SQLite: <c>GetSqliteTransaction()</c>).
    /// </summary>
    public Storage.IConsumeTransaction? Transaction => _test is null ? Delivery.Transaction : null;

    /// <summary>The delivery this context belongs to: sends through a transactional context join its transaction.</summary>
    internal Pipeline.ConsumeContext Consume => _consume is null
        ? throw new InvalidOperationException("This message context belongs to a unit test, not to a delivery.")
        : Delivery;

    /// <summary>The delivery, when it has a consume transaction for the event store's work to join; otherwise <see langword="null"/>.</summary>
    internal Pipeline.ConsumeContext? Transactional => Transaction is null ? null : Consume;

    /// <summary>When the producer sent the message.</summary>
    public DateTimeOffset SentAt => Current.SentAt;

    /// <summary>The contract of the message.</summary>
    public ContractDescriptor Contract => Current.Contract;

    /// <summary>The endpoint the message was delivered on.</summary>
    public string Endpoint => _test?.Endpoint ?? Delivery.Endpoint;

    /// <summary>
    /// The services of the DI scope of this delivery. The scope is created when first needed: a handler whose
    /// constructor takes only singletons is created without one, and a delivery that never asks costs no scope.
    /// </summary>
    public IServiceProvider Services => _test?.Services ?? Delivery.ScopedServices;

    /// <summary>Sends a command on, in this message's conversation.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the command is accepted by its endpoint.</returns>
    public ValueTask SendAsync<TCommand>(TCommand command, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>
        => _test is null ? Bus.SendAsync(command, options: null, parent: this, cancellationToken) : _test.Outlet.SendAsync(command, options: null, this, cancellationToken);

    /// <summary>Sends a command on, in this message's conversation.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="options">Delay, headers and message id.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Completes when the command is accepted by its endpoint.</returns>
    public ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options, CancellationToken cancellationToken = default)
        where TCommand : class, ICommand, IContract<TCommand>
        => _test is null ? Bus.SendAsync(command, options, parent: this, cancellationToken) : _test.Outlet.SendAsync(command, options, this, cancellationToken);

    /// <summary>Publishes an event, in this message's conversation.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>Completes when every subscription accepted the event.</returns>
    public ValueTask PublishAsync<TEvent>(TEvent @event, CancellationToken cancellationToken = default)
        where TEvent : class, IEvent, IContract<TEvent>
        => _test is null ? Bus.PublishAsync(@event, options: null, parent: this, cancellationToken) : _test.Outlet.PublishAsync(@event, options: null, this, cancellationToken);

    /// <summary>Publishes an event, in this message's conversation.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <param name="event">The event.</param>
    /// <param name="options">Delay, headers and message id.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>Completes when every subscription accepted the event.</returns>
    public ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options, CancellationToken cancellationToken = default)
        where TEvent : class, IEvent, IContract<TEvent>
        => _test is null ? Bus.PublishAsync(@event, options, parent: this, cancellationToken) : _test.Outlet.PublishAsync(@event, options, this, cancellationToken);

    /// <summary>Sends or publishes what a saga step recorded, in this message's conversation.</summary>
    internal ValueTask SendAsync(ContractDescriptor contract, object message, SendOptions? options, CancellationToken cancellationToken) =>
        _test is null
            ? Bus.SendAsync(contract, message, options, parent: this, cancellationToken)
            : throw new InvalidOperationException("A saga step runs on a bus (the in-memory transport in a test), not on a unit-test message context.");

    /// <summary>Runs a query, in this message's conversation.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancels the wait for the reply.</param>
    /// <returns>The handler's result.</returns>
    public ValueTask<TResult> QueryAsync<TResult>(IQuery<TResult> query, CancellationToken cancellationToken = default)
        => _test is null ? Bus.QueryAsync(query, options: null, parent: this, cancellationToken) : _test.Outlet.QueryAsync(query, this, cancellationToken);
}
