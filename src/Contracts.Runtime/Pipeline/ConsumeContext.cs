using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Pipeline;

/// <summary>One delivery of one message to one handler, as it passes through the consume pipeline.</summary>
public sealed class ConsumeContext : IAsyncDisposable
{
    private DeliveryServices _services;
    private AsyncServiceScope? _scope;
    private MessageContext? _messageContext;
    private int _lease;

    internal ConsumeContext(DeliveryServices services, Envelope envelope, HandlerDescriptor handler, string endpoint, CancellationToken cancellationToken)
    {
        _services = services;
        Envelope = envelope;
        Handler = handler;
        Endpoint = endpoint;
        Attempt = envelope.Attempt;
        CancellationToken = cancellationToken;
    }

    /// <summary>The bus the delivery came through: a handler's sends go back through it.</summary>
    internal MessageBus Bus => _services.Bus;

    /// <summary>The application's root services: handlers that need no scope are created from them.</summary>
    internal IServiceProvider Root => _services.Root;

    /// <summary>The application's registrations, when known: they tell which handlers need no scope.</summary>
    internal ServiceLifetimes? Lifetimes => _services.Lifetimes;

    /// <summary>The envelope as it arrived.</summary>
    public Envelope Envelope { get; private set; }

    /// <summary>The exception type of the last failed attempt (the <c>error.type</c> of telemetry), or null.</summary>
    internal string? ErrorType { get; set; }

    /// <summary>The handler this delivery is for.</summary>
    public HandlerDescriptor Handler { get; private set; }

    /// <summary>The endpoint the delivery came from.</summary>
    public string Endpoint { get; private set; }

    /// <summary>The attempt, starting at the envelope's attempt.</summary>
    public int Attempt { get; private set; }

    /// <summary>Signalled when the bus stops without time left to finish.</summary>
    public CancellationToken CancellationToken { get; private set; }

    /// <summary>The message, once read from the payload (or as sent, in memory).</summary>
    public object? Message { get; set; }

    /// <summary>
    /// The store transaction of this attempt on an <see cref="DeliveryMode.EffectivelyOnce"/> endpoint whose store
    /// supports one (the handler's own work commits with the inbox key), otherwise <see langword="null"/>.
    /// </summary>
    public Storage.IConsumeTransaction? Transaction { get; internal set; }

    /// <summary>Whether this attempt wrote sends to the outbox in <see cref="Transaction"/>: the relay is woken after the commit.</summary>
    internal bool WroteOutbox { get; set; }

    /// <summary>The event store this attempt appended to in <see cref="Transaction"/>: its live subscriptions are woken after the commit.</summary>
    internal EventSourcing.EventStore? AppendedTo { get; set; }

    /// <summary>The handler's context, created on first use; its DI scope is created when first needed.</summary>
    public MessageContext MessageContext => _messageContext ??= new MessageContext(this);

    /// <summary>
    /// Counts the attempts this object has carried, of this delivery and of the deliveries it was reused for: a
    /// <see cref="Contracts.MessageContext"/> is valid while the lease it was made under is current, and throws after.
    /// </summary>
    internal int Lease => _lease;

    /// <summary>
    /// The envelope, for a handler that asked for it (<see cref="MessageContext.Envelope"/>): it may keep it, so an
    /// envelope given out is never reused (see <see cref="Transport.InMemory.EnvelopePool"/>).
    /// </summary>
    internal Envelope EnvelopeGivenOut()
    {
        Envelope envelope = Envelope;
        envelope.KeepForGood();
        return envelope;
    }

    /// <summary>The services of this attempt's DI scope, which is created on first use.</summary>
    internal IServiceProvider ScopedServices => _scope is { } scope ? scope.ServiceProvider : CreateScope();

    /// <summary>Starts another attempt: a fresh DI scope and the next attempt number.</summary>
    /// <returns>Completes when the previous attempt's scope is disposed.</returns>
    public async ValueTask BeginAttempt()
    {
        await DisposeAsync().ConfigureAwait(false);
        Attempt++;
    }

    /// <summary>Runs the same attempt again (the store failed it, not the handler): a fresh DI scope, the same attempt number.</summary>
    /// <returns>Completes when the rolled-back run's scope is disposed.</returns>
    public ValueTask BeginRerun() => DisposeAsync();

    /// <summary>Disposes the delivery's DI scope, if it was created.</summary>
    /// <returns>Completes when the scope is disposed.</returns>
    public ValueTask DisposeAsync()
    {
        // The attempt is over: its message context throws from now on, and the next attempt gets a new one.
        _lease++;
        _messageContext = null;
        if (_scope is { } scope)
        {
            _scope = null;
            return scope.DisposeAsync();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Ends the attempt of an inline query whose frame keeps this context for the next query: as
    /// <see cref="DisposeAsync"/>, but its message context stays attached (already invalid: the lease moved on) for
    /// <see cref="Recycle"/> to make valid again, which spares storing it anew.
    /// </summary>
    /// <returns>Completes when the scope, if one was created, is disposed.</returns>
    internal ValueTask EndRecycledAttempt()
    {
        _lease++;
        if (_scope is { } scope)
        {
            _scope = null;
            return scope.DisposeAsync();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Makes this context, and the <paramref name="messageContext"/> made for it, those of a new delivery: an inline
    /// query's contexts are reused by the next query on its thread (of any bus) once its handler has finished and its scope is
    /// disposed (see <c>docs/queries.md</c>).
    /// </summary>
    internal void Recycle(DeliveryServices services, Envelope envelope, HandlerDescriptor handler, string endpoint, CancellationToken cancellationToken, MessageContext messageContext)
    {
        Reuse(services, envelope, handler, endpoint, cancellationToken);
        if (!ReferenceEquals(_messageContext, messageContext))
        {
            _messageContext = messageContext;
        }

        messageContext.Recycle();
    }

#pragma warning disable IDE1006 // thread-static fields are t_camel, which the naming rules cannot express
    /// <summary>The context of this thread's last queued delivery that finished at once, for the next one.</summary>
    [ThreadStatic]
    private static ConsumeContext? t_spare;
#pragma warning restore IDE1006

    /// <summary>
    /// This thread's spare context made that of a new delivery, or a new one. Safe to reuse because nothing outside
    /// the pipeline holds a delivery's context (the caller rents only when no middleware is registered), and a
    /// <see cref="Contracts.MessageContext"/> kept past its handler's return checks its lease and throws.
    /// </summary>
    internal static ConsumeContext Rent(DeliveryServices services, Envelope envelope, HandlerDescriptor handler, string endpoint, CancellationToken cancellationToken)
    {
        ConsumeContext? spare = t_spare;
        if (spare is null)
        {
            return new ConsumeContext(services, envelope, handler, endpoint, cancellationToken);
        }

        t_spare = null; // a delivery handled within this one (an inline query with middleware) gets its own
        spare.Reuse(services, envelope, handler, endpoint, cancellationToken);
        return spare;
    }

    /// <summary>Keeps this context for the next delivery on this thread: its attempt has ended and its scope is disposed.</summary>
    internal void Return() => t_spare = this;

    private void Reuse(DeliveryServices services, Envelope envelope, HandlerDescriptor handler, string endpoint, CancellationToken cancellationToken)
    {
        // Stores of references into an old object cost a GC write barrier each: what is the same is not stored again
        // (the thread's previous delivery usually came from the same bus and handler, with the same token).
        if (!ReferenceEquals(_services, services))
        {
            _services = services;
        }

        if (!ReferenceEquals(Envelope, envelope))
        {
            Envelope = envelope;
        }

        if (!ReferenceEquals(Handler, handler))
        {
            Handler = handler;
        }

        if (!ReferenceEquals(Endpoint, endpoint))
        {
            Endpoint = endpoint;
        }

        if (CancellationToken != cancellationToken)
        {
            CancellationToken = cancellationToken;
        }

        Attempt = envelope.Attempt;
        ErrorType = null;
        Message = null;
        Transaction = null;
        WroteOutbox = false;
        AppendedTo = null;
    }

    /// <summary>Creates this attempt's DI scope, on the first use of <see cref="MessageContext.Services"/>.</summary>
    internal IServiceProvider CreateScope()
    {
        AsyncServiceScope scope = _services.Scopes.CreateAsyncScope();
        _scope = scope;
        return scope.ServiceProvider;
    }
}
