using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Modules;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Sagas;

/// <summary>
/// One message of one saga, as the generated module registers it: a handler like any other, so the step gets an
/// endpoint, routing and the consume pipeline (retries, dead letters, inbox, outbox). A step finds the instance by the
/// generated correlation, loads it (in the delivery's consume transaction when there is one), runs the saga's
/// <see cref="IHandles{TMessage}.HandleAsync"/>, saves the state if no other step saved first, and only then sends
/// what the step recorded. A conflict outside a transaction runs the step again here on the state that won; inside
/// one, the transaction is rolled back and the pipeline runs the delivery again.
/// </summary>
internal sealed class SagaStepDescriptor<TSaga, TState, TMessage>(Func<IServiceProvider, TSaga>? factory, Func<TMessage, string> correlate, bool starts)
    : HandlerDescriptor(TMessage.Contract, typeof(TSaga))
    where TSaga : Saga<TState>, ISagaDefinition<TState>, IHandles<TMessage>
    where TState : class, new()
    where TMessage : class, IContract<TMessage>
{
    private ILogger? _logger;

    /// <summary>Whether this message may start an instance.</summary>
    public bool Starts => starts;

    internal override bool IsSagaStep => true;

    protected internal override async ValueTask InvokeAsync(MessageContext context, object message, CancellationToken cancellationToken)
    {
        var typed = (TMessage)message;
        string sagaId = correlate(typed);
        string saga = TSaga.SagaName;
        ContractsRuntime runtime = context.Consume.Bus.Runtime;
        ISagaStore store = runtime.Store.Sagas;
        IConsumeTransaction? transaction = context.Transaction;
        for (int conflicts = 0; ; conflicts++)
        {
            SagaRecord? stored = await store.LoadAsync(saga, sagaId, transaction, cancellationToken).ConfigureAwait(false);
            SagaData data;
            TState state;
            if (stored is null)
            {
                if (!starts)
                {
                    SagaLog.NotFound(Logger(context), saga, sagaId, Contract.Name, context.MessageId);
                    return;
                }

                data = SagaData.New();
                state = new TState();
            }
            else
            {
                if (stored.Status != SagaStatus.Running)
                {
                    SagaLog.Ended(Logger(context), saga, sagaId, stored.Status, Contract.Name, context.MessageId);
                    return;
                }

                data = SagaData.Read(stored.Data, saga, sagaId);
                state = SagaData.ReadState(data.State, TSaga.StateFormatter, saga);
                data.TimeoutCame(context.MessageId);
            }

            DateTimeOffset now = runtime.Time.GetUtcNow();
            var step = new SagaContext(context, sagaId, stored is null, data, now);
            if (stored is null)
            {
                step.Note("started");
            }

            TSaga instance = Create(context, factory);
            instance.State = state;
            await instance.HandleAsync(typed, step, cancellationToken).ConfigureAwait(false);
            step.CompensateIfAsked(runtime.Catalog);
            TState after = instance.State ?? throw new InvalidOperationException($"Saga {HandlerName} set State to null in its step for {Contract}; a saga always has a state.");

            // An ended saga cancels the timeouts it still waits for: their rows go in the same transaction as its final
            // state (when there is one), and a copy already armed in a timer here is dropped when it comes.
            Guid[]? cancelled = step.Status != SagaStatus.Running ? data.TakeTimeouts() : null;
            long version = stored?.Version ?? 0;
            var record = new SagaRecord(saga, sagaId, version + 1, step.Status, SagaData.Write(after, TSaga.StateFormatter, data), now);
            try
            {
                await store.SaveAsync(record, version, transaction, cancellationToken).ConfigureAwait(false);
                if (cancelled is not null)
                {
                    int deleted = await store.CancelTimeoutsAsync(cancelled, transaction, cancellationToken).ConfigureAwait(false);
                    runtime.CancelledTimeouts.Add(cancelled, now);
                    SagaLog.TimeoutsCancelled(Logger(context), saga, sagaId, cancelled.Length, deleted);
                }
            }
            catch (SagaConcurrencyException) when (transaction is null && conflicts < SagaStepDescriptorLimits.MaxConflicts)
            {
                // Nothing was sent: run the step again on the state that won.
                SagaLog.Conflict(Logger(context), saga, sagaId, Contract.Name, context.MessageId, conflicts + 1);
                await Task.Yield();
                continue;
            }

            await step.FlushAsync(cancelled, cancellationToken).ConfigureAwait(false);
            if (step.Status != SagaStatus.Running)
            {
                SagaLog.Finished(Logger(context), saga, sagaId, step.Status, Contract.Name, context.MessageId);
            }

            return;
        }
    }

    private ILogger Logger(MessageContext context) =>
        _logger ??= context.Consume.Root.GetService<ILoggerFactory>()?.CreateLogger(HandlerName) ?? NullLogger.Instance;
}
