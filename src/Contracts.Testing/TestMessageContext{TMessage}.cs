using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Testing;

/// <summary>The context built by <see cref="TestMessageContext.For{TMessage}"/>, and what the handler did with it.</summary>
/// <typeparam name="TMessage">The handled contract.</typeparam>
public sealed class TestMessageContext<TMessage>
    where TMessage : class, IContract<TMessage>
{
    private readonly Recorder _recorder = new();

    internal TestMessageContext(TMessage message, TestMessageOptions options)
    {
        if (options.Attempt < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Attempt, "TestMessageOptions.Attempt starts at 1.");
        }

        Message = message;
        ContractDescriptor<TMessage> contract = TMessage.Contract;
        DateTimeOffset sentAt = options.SentAt ?? DateTimeOffset.UtcNow;
        var envelope = new Envelope(contract, options.MessageId ?? MessageIds.NewVersion7(sentAt))
        {
            SentAt = sentAt,
            Message = message,
            Attempt = options.Attempt,
            Headers = options.Headers,
            IdempotencyKey = TMessage.GetIdempotencyKey(message),
        };
        envelope.CorrelationId = options.CorrelationId ?? envelope.MessageId;
        envelope.CausationId = options.CausationId;
        Context = new MessageContext(
            envelope,
            _recorder,
            options.Services ?? EmptyServices.Instance,
            options.Endpoint ?? Transport.TransportEndpoint.AddressOf(contract),
            options.Attempt);
    }

    /// <summary>The message the handler is given.</summary>
    public TMessage Message { get; }

    /// <summary>The context to pass to the handler.</summary>
    public MessageContext Context { get; }

    /// <summary>Everything the handler sent, published and queried, in order.</summary>
    public IReadOnlyList<RecordedMessage> Recorded => _recorder.Snapshot();

    /// <summary>The commands of type <typeparamref name="TCommand"/> the handler sent, in order.</summary>
    /// <typeparam name="TCommand">The command contract.</typeparam>
    /// <returns>The commands.</returns>
    public IReadOnlyList<TCommand> Sent<TCommand>()
        where TCommand : class, ICommand, IContract<TCommand>
        => _recorder.OfType<TCommand>(MessageKind.Command);

    /// <summary>The events of type <typeparamref name="TEvent"/> the handler published, in order.</summary>
    /// <typeparam name="TEvent">The event contract.</typeparam>
    /// <returns>The events.</returns>
    public IReadOnlyList<TEvent> Published<TEvent>()
        where TEvent : class, IEvent, IContract<TEvent>
        => _recorder.OfType<TEvent>(MessageKind.Event);

    /// <summary>The queries of type <typeparamref name="TQuery"/> the handler ran, in order.</summary>
    /// <typeparam name="TQuery">The query contract.</typeparam>
    /// <returns>The queries.</returns>
    public IReadOnlyList<TQuery> Queried<TQuery>()
        where TQuery : class, IContract<TQuery>
        => _recorder.OfType<TQuery>(MessageKind.Query);

    /// <summary>Answers the handler's queries of type <typeparamref name="TQuery"/> with <paramref name="respond"/>; a later call replaces an earlier one.</summary>
    /// <typeparam name="TQuery">The query contract.</typeparam>
    /// <typeparam name="TResult">Its result type.</typeparam>
    /// <param name="respond">The result for a query; may throw, as a failing query handler would.</param>
    /// <returns>This context, for chaining.</returns>
    public TestMessageContext<TMessage> RespondTo<TQuery, TResult>(Func<TQuery, TResult> respond)
        where TQuery : class, IQuery<TResult>, IContract<TQuery>
    {
        ArgumentNullException.ThrowIfNull(respond);
        _recorder.Respond(typeof(TQuery), query => respond((TQuery)query));
        return this;
    }

    private sealed class Recorder : MessageContextOutlet
    {
        private readonly List<RecordedMessage> _recorded = [];
        private readonly Dictionary<Type, Func<object, object?>> _responses = [];

        public IReadOnlyList<RecordedMessage> Snapshot()
        {
            lock (_recorded)
            {
                return [.. _recorded];
            }
        }

        public IReadOnlyList<T> OfType<T>(MessageKind kind)
        {
            var found = new List<T>();
            lock (_recorded)
            {
                foreach (RecordedMessage recorded in _recorded)
                {
                    if (recorded.Kind == kind && recorded.Message is T message)
                    {
                        found.Add(message);
                    }
                }
            }

            return found;
        }

        public void Respond(Type query, Func<object, object?> respond)
        {
            lock (_recorded)
            {
                _responses[query] = respond;
            }
        }

        public override ValueTask SendAsync<TCommand>(TCommand command, SendOptions? options, MessageContext parent, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(command);
            cancellationToken.ThrowIfCancellationRequested();
            Record(command, MessageKind.Command, options, parent);
            return ValueTask.CompletedTask;
        }

        public override ValueTask PublishAsync<TEvent>(TEvent @event, SendOptions? options, MessageContext parent, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(@event);
            cancellationToken.ThrowIfCancellationRequested();
            Record(@event, MessageKind.Event, options, parent);
            return ValueTask.CompletedTask;
        }

        public override ValueTask<TResult> QueryAsync<TResult>(IQuery<TResult> query, MessageContext parent, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(query);
            cancellationToken.ThrowIfCancellationRequested();
            Record(query, MessageKind.Query, options: null, parent);
            Func<object, object?>? respond;
            lock (_recorded)
            {
                _responses.TryGetValue(query.GetType(), out respond);
            }

            if (respond is null)
            {
                return ValueTask.FromException<TResult>(new InvalidOperationException(
                    $"The handler ran query '{query.Descriptor}', which this test does not answer: call " +
                    $"RespondTo<{query.GetType().Name}, {typeof(TResult).Name}>(query => ...) on the TestMessageContext before handling."));
            }

            try
            {
                return ValueTask.FromResult((TResult)respond(query)!);
            }
            catch (Exception ex)
            {
                // A response that throws is a failing query handler: the caller sees the exception from its await.
                return ValueTask.FromException<TResult>(ex);
            }
        }

        private void Record(object message, MessageKind kind, SendOptions? options, MessageContext parent)
        {
            var recorded = new RecordedMessage(message, kind, options, options?.CorrelationId ?? parent.CorrelationId, parent.MessageId);
            lock (_recorded)
            {
                _recorded.Add(recorded);
            }
        }
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
