using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Sagas;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Testing;

/// <summary>
/// Sagas in the harness: their steps run on the bus like any handler (a test starts one by sending the message that
/// starts it and moves it with the messages it handles); this part reads an instance and the delayed messages (its
/// timeouts) waiting for their time, and delivers one now.
/// </summary>
public sealed partial class ContractsTestHarness
{
    /// <summary>The instance <paramref name="sagaId"/> of <typeparamref name="TSaga"/> as stored: status, state, pending compensations, history.</summary>
    /// <typeparam name="TSaga">The saga.</typeparam>
    /// <typeparam name="TState">Its state.</typeparam>
    /// <param name="sagaId">The instance id (the messages' <see cref="SagaIdAttribute"/> value).</param>
    /// <returns>The instance, or <see langword="null"/> when none was started.</returns>
    public ValueTask<SagaInstance<TState>?> SagaAsync<TSaga, TState>(Guid sagaId)
        where TSaga : Saga<TState>, ISagaDefinition<TState>
        where TState : class, new()
        => _provider.GetRequiredService<ISagas>().FindAsync<TSaga, TState>(sagaId);

    /// <inheritdoc cref="SagaAsync{TSaga, TState}(Guid)"/>
    public ValueTask<SagaInstance<TState>?> SagaAsync<TSaga, TState>(string sagaId)
        where TSaga : Saga<TState>, ISagaDefinition<TState>
        where TState : class, new()
        => _provider.GetRequiredService<ISagas>().FindAsync<TSaga, TState>(sagaId);

    /// <summary>
    /// The delayed messages of type <typeparamref name="T"/> (a saga's timeouts, sends with a delay) waiting for their
    /// time, in the order sent: not pending for <see cref="WhenIdleAsync"/> until they come due. One a saga cancelled by
    /// ending stays listed until its time, when it is dropped unhandled.
    /// </summary>
    /// <typeparam name="T">The contract.</typeparam>
    /// <returns>The messages.</returns>
    public IReadOnlyList<T> Scheduled<T>()
        where T : class, IContract<T>
    {
        var found = new List<T>();
        foreach (RecordedMessage scheduled in _recorder.Scheduled())
        {
            if (scheduled.Message is T message)
            {
                found.Add(message);
            }
        }

        return found;
    }

    /// <summary>
    /// Delivers the first scheduled <typeparamref name="TCommand"/> (that <paramref name="match"/> accepts) now instead
    /// of at its time, with its own message id: a saga takes it as the timeout it asked for, and the original, if it
    /// still comes, is dropped by the inbox (the endpoint's default effectively-once delivery) or, its saga ended, runs no step.
    /// </summary>
    /// <typeparam name="TCommand">The delayed command (a saga's timeout).</typeparam>
    /// <param name="match">Which one; the first when <see langword="null"/>.</param>
    /// <returns>The message sent; await <see cref="WhenIdleAsync"/> for what it causes.</returns>
    /// <exception cref="InvalidOperationException">No such message is scheduled.</exception>
    public async Task<TCommand> DeliverScheduledNowAsync<TCommand>(Func<TCommand, bool>? match = null)
        where TCommand : class, ICommand, IContract<TCommand>
    {
        foreach (RecordedMessage scheduled in _recorder.Scheduled())
        {
            if (scheduled.Message is TCommand message && (match is null || match(message)) && scheduled.Options?.MessageId is { } id && _recorder.Unschedule(id))
            {
                await Bus.SendAsync(message, new SendOptions { MessageId = id, CorrelationId = scheduled.CorrelationId }).ConfigureAwait(false);
                return message;
            }
        }

        throw new InvalidOperationException(
            $"No {typeof(TCommand).Name}{(match is null ? "" : " that matches")} is scheduled: {Scheduled<TCommand>().Count} scheduled, {SentOf<TCommand>().Count} sent in all.");
    }
}
