using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Pipeline;

/// <summary>Runs the rest of the consume pipeline for one delivery.</summary>
/// <param name="context">The delivery.</param>
/// <returns>Completes when the rest of the pipeline has; throws what the handler threw.</returns>
public delegate ValueTask ConsumeDelegate(ConsumeContext context);

/// <summary>
/// A step of the consume pipeline, registered in DI as <see cref="IConsumeMiddleware"/> and run in registration
/// order inside the bus's own steps and around the handler: telemetry, failure handling (retries, dead letters), the
/// inbox and the consume transaction run outside every middleware, so each attempt of a retry runs the middleware
/// again (with a fresh scope), a duplicate the inbox drops never reaches it, and what a middleware throws is retried
/// and dead-lettered like the handler's own failure.
/// </summary>
public interface IConsumeMiddleware
{
    /// <summary>Runs this step and, usually, <paramref name="next"/>.</summary>
    /// <param name="context">The delivery.</param>
    /// <param name="next">The rest of the pipeline.</param>
    /// <returns>Completes when the step has.</returns>
    ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next);
}

/// <summary>One delivery of one message to one handler, as it passes through the consume pipeline.</summary>
public sealed class ConsumeContext : IAsyncDisposable
{
    private readonly DeliveryServices _services;
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
    public Envelope Envelope { get; }

    /// <summary>The handler this delivery is for.</summary>
    public HandlerDescriptor Handler { get; }

    /// <summary>The endpoint the delivery came from.</summary>
    public string Endpoint { get; }

    /// <summary>The attempt, starting at the envelope's attempt.</summary>
    public int Attempt { get; private set; }

    /// <summary>Signalled when the bus stops without time left to finish.</summary>
    public CancellationToken CancellationToken { get; }

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

    private MessageContext CreateMessageContext() => new(this, Attempt, Transaction);

    /// <summary>Creates this attempt's DI scope, on the first use of <see cref="MessageContext.Services"/>.</summary>
    internal IServiceProvider CreateScope()
    {
        AsyncServiceScope scope = _services.Scopes.CreateAsyncScope();
        _scope = scope;
        return scope.ServiceProvider;
    }
}

/// <summary>Thrown into the pipeline when a payload cannot be read as its contract; such a message is never retried.</summary>
public sealed class UnreadableMessageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the payload.</param>
    /// <param name="innerException">The serializer's error, if any.</param>
    public UnreadableMessageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>What every delivery of one bus shares: one object, so each delivery's context carries one reference to it.</summary>
internal sealed class DeliveryServices(MessageBus bus, IServiceScopeFactory scopes, IServiceProvider root, ServiceLifetimes? lifetimes)
{
    public MessageBus Bus { get; } = bus;

    public IServiceScopeFactory Scopes { get; } = scopes;

    public IServiceProvider Root { get; } = root;

    public ServiceLifetimes? Lifetimes { get; } = lifetimes;
}
