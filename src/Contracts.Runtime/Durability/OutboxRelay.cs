using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Pipeline;
using Contracts.Storage;
using Contracts.Transport;
using Microsoft.Extensions.Logging;

namespace Contracts.Durability;

/// <summary>
/// Claims committed outbox records, delivers them through the transport, then marks them relayed. A crash between
/// the two delivers again (once the claim runs out, possibly from another bus) with the same message id and key,
/// which an inbox drops. A record no endpoint takes (an unknown
/// contract, a command without a handler) goes to dead letters.
/// </summary>
internal sealed class OutboxRelay(
    IMessageStore store, StoreClaims claims, ContractCatalog catalog, Func<Envelope, CancellationToken, ValueTask> send, IDeadLetterQueue deadLetters, ContractsOptions options, TimeProvider time, ILogger logger)
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Runs the relay now instead of at its next poll (a handler's transaction just committed outbox records).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Woken already: the relay reads everything committed so far.
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using IDisposable wakeUps = store.OnWork(StoreWork.OutboxRows, Wake); // outbox rows committed by other processes
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                List<MessageRecord> batch = [.. await store.Outbox.ClaimAsync(claims.Next(), 256, cancellationToken).ConfigureAwait(false)];
                if (batch.Count == 0)
                {
                    await _wake.WaitAsync(options.OutboxPollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var relayed = new List<MessageRecord>(batch.Count);
                try
                {
                    foreach (MessageRecord record in batch)
                    {
                        await RelayOneAsync(record, cancellationToken).ConfigureAwait(false);
                        relayed.Add(record);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // What could not go out is released, so the next poll (here or on another bus) claims it again.
                    await store.Outbox.ReleaseAsync(batch.GetRange(relayed.Count, batch.Count - relayed.Count), CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
                finally
                {
                    // What went out is marked even when a later record fails, so a retry of the batch does not send it twice.
                    if (relayed.Count > 0)
                    {
                        await store.Outbox.MarkRelayedAsync(relayed, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.StoreFailed(logger, ex, "relaying the outbox");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async ValueTask RelayOneAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (!catalog.TryFind(record.ContractName, record.ContractVersion, out ContractDescriptor? contract))
        {
            Log.UnknownContract(logger, record.MessageId, record.ContractName, record.ContractVersion, record.Endpoint);
            var unknown = new UnreadableMessageException(
                $"Contract '{record.ContractName}' version {record.ContractVersion} is not in this process's catalog: no compiled contract has that name and version.");
            await deadLetters.AddAsync(DeadLetter.From(record.CopyFor(record.Endpoint), DeadLetterReason.UnknownContract, unknown, options.DeadLetterDetail, 0, now, now), cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            Envelope envelope = record.ToEnvelope(contract);
            await send(envelope, cancellationToken).ConfigureAwait(false);
            ContractsTelemetry.Sent.Add(1, ContractsTelemetry.ContractTag(contract));
        }
        catch (NoHandlerException ex)
        {
            await deadLetters.AddAsync(DeadLetter.From(record.CopyFor(record.Endpoint), DeadLetterReason.Failed, ex, options.DeadLetterDetail, 0, now, now), cancellationToken).ConfigureAwait(false);
        }
    }
}
