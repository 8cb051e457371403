using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Pipeline;
using Contracts.Storage;

namespace Contracts.Transport.InMemory;

internal sealed partial class InMemoryTransport
{
    /// <summary>Delivers again what was queued when the process last stopped or crashed, in the order it was stored.</summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        long after = 0;
        int recovered = 0;
        try
        {
            long upTo = await _storeReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                IReadOnlyList<MessageRecord> page = await _store.ReadQueuedAsync(after, upTo, 256, cancellationToken).ConfigureAwait(false);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (MessageRecord record in page)
                {
                    after = record.Sequence;
                    if (!_byName.TryGetValue(record.Endpoint, out EndpointQueue? queue))
                    {
                        // Possibly another application's endpoint in a shared file: leave it alone.
                        Log.UnknownStoredEndpoint(_logger, record.MessageId, record.Endpoint);
                        continue;
                    }

                    if (!Catalog.TryFind(record.ContractName, record.ContractVersion, out ContractDescriptor? contract))
                    {
                        await DeadLetterUnknownAsync(record, cancellationToken).ConfigureAwait(false);
                        continue;
                    }

                    await EnqueueDeliveryAsync(new InMemoryDelivery(record.ToEnvelope(contract), record), queue, cancellationToken).ConfigureAwait(false);
                    recovered++;
                }
            }

            Log.Recovered(_logger, recovered);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException && cancellationToken.IsCancellationRequested)
        {
            // Stopping: what was not queued stays in the store.
        }
        catch (Exception ex)
        {
            Log.StoreFailed(_logger, ex, "recovering queued messages");
        }
    }

    private ValueTask DeadLetterUnknownAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        Log.UnknownContract(_logger, record.MessageId, record.ContractName, record.ContractVersion, record.Endpoint);
        ContractsTelemetry.DeadLettered.Add(1, new KeyValuePair<string, object?>("contracts.contract", record.ContractName));
        var error = new UnreadableMessageException(
            $"Contract '{record.ContractName}' version {record.ContractVersion} is not in this process's catalog: no compiled contract has that name and version.");
        return _store.DeadLetterAsync(DeadLetter.From(record, DeadLetterReason.UnknownContract, error, attempts: 0, _time.GetUtcNow(), _time.GetUtcNow()), cancellationToken);
    }
}
