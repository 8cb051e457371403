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

    /// <summary>The handler's context, created on first use; its DI scope is created when first needed.</summary>
    public MessageContext MessageContext => _messageContext ??= CreateMessageContext();

    /// <summary>Starts another attempt: a fresh DI scope and the next attempt number.</summary>
    /// <returns>Completes when the previous attempt's scope is disposed.</returns>
    public async ValueTask BeginAttempt()
    {
        await DisposeAsync().ConfigureAwait(false);
        Attempt++;
    }

    /// <summary>Disposes the delivery's DI scope, if it was created.</summary>
    /// <returns>Completes when the scope is disposed.</returns>
    public ValueTask DisposeAsync()
    {
        _messageContext = null;
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
        // Stores of references into an old object cost a GC write barrier each: what is the same is not stored again
        // (the thread's previous query usually went to the same bus and handler, with the same frame's token).
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
        messageContext.Recycle(envelope);
        if (!ReferenceEquals(_messageContext, messageContext))
        {
            _messageContext = messageContext;
        }
    }

    private MessageContext CreateMessageContext() => new(this, Attempt, Transaction);

    /// <summary>Creates this attempt's DI scope, on the first use of <see cref="MessageContext.Services"/>.</summary>
    internal IServiceProvider CreateScope()
    {
        AsyncServiceScope scope = _services.Scopes.CreateAsyncScope();
        _scope = scope;
        return scope.ServiceProvider;
    }
}
