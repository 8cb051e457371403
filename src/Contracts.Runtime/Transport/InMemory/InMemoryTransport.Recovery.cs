using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Durability;
using Contracts.Pipeline;
using Contracts.Storage;

namespace Contracts.Transport.InMemory;

internal sealed partial class InMemoryTransport
{
    /// <summary>
    /// Claims and queues the stored rows of this process's endpoints that nobody holds: at start what was left when
    /// the process last stopped, and from then on, every third of the claim duration, the rows of a bus on the same
    /// database whose claims ran out (it crashed), oldest first.
    /// </summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        var endpoints = new List<string>(_byName.Keys);
        TimeSpan every = _claims.Duration / 3;
        var woken = new WorkSignal();
        try
        {
            await _storeReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            using IDisposable wakeUps = _store.OnWork(woken.Wake);
            while (!cancellationToken.IsCancellationRequested)
            {
                Task wake = woken.Next; // taken before the claim, so rows released during it are not missed
                int taken = 0;
                try
                {
                    IReadOnlyList<MessageRecord> page;
                    do
                    {
                        page = await _store.Queue.ClaimAsync(endpoints, _claims.Next(), 256, cancellationToken).ConfigureAwait(false);
                        foreach (MessageRecord record in page)
                        {
                            try
                            {
                                await QueueTakenAsync(record, cancellationToken).ConfigureAwait(false);
                                taken++;
                            }
                            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                            {
                                // One row that cannot be queued must not strand the rest of the page; it is claimed again later.
                                Log.StoreFailed(_logger, ex, $"queuing stored message {record.MessageId}");
                                await _store.Queue.ReleaseAsync([record], CancellationToken.None).ConfigureAwait(false);
                            }
                        }
                    }
                    while (page.Count > 0);

                    if (taken > 0)
                    {
                        Log.Recovered(_logger, taken);
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Log.StoreFailed(_logger, ex, "taking over queued messages");
                }

                await WorkSignal.WaitAsync(wake, every, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException && cancellationToken.IsCancellationRequested)
        {
            // Stopping: what was not queued stays in the store, released with the bus's other claims.
        }
    }

    private async ValueTask QueueTakenAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        if (!_byName.TryGetValue(record.Endpoint, out EndpointQueue? queue))
        {
            Log.UnknownStoredEndpoint(_logger, record.MessageId, record.Endpoint);
            return;
        }

        if (!Catalog.TryFind(record.ContractName, record.ContractVersion, out ContractDescriptor? contract))
        {
            await DeadLetterUnknownAsync(record, cancellationToken).ConfigureAwait(false);
            return;
        }

        await EnqueueDeliveryAsync(new InMemoryDelivery(record.ToEnvelope(contract), record), queue, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask DeadLetterUnknownAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        Log.UnknownContract(_logger, record.MessageId, record.ContractName, record.ContractVersion, record.Endpoint);
        ContractsTelemetry.DeadLettered.Add(1, new KeyValuePair<string, object?>("contracts.contract", record.ContractName));
        var error = new UnreadableMessageException(
            $"Contract '{record.ContractName}' version {record.ContractVersion} is not in this process's catalog: no compiled contract has that name and version.");
        return _store.DeadLetters.AddAsync(DeadLetter.From(record, DeadLetterReason.UnknownContract, error, attempts: 0, _time.GetUtcNow(), _time.GetUtcNow()), cancellationToken);
    }
}
