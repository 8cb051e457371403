using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Routing;
using Contracts.Storage;
using Contracts.Transport;
using Microsoft.Extensions.Logging;

namespace Contracts.Durability;

/// <summary>
/// Delays for a transport that cannot hold a message until it is due (without <see cref="TransportCapabilities.NativeDelay"/>):
/// a delayed send or a delayed retry is stored as a queued row with its due time (claimed by this bus, so it survives
/// a restart with a durable store and is taken over from a bus that died), and sent through the transport when due.
/// </summary>
internal sealed class StoreScheduler(IMessageStore store, StoreClaims claims, ITransport transport, RouteTable routes, ContractCatalog catalog, TimeProvider time, ILogger logger)
{
    /// <summary>The row endpoint of a delayed send, which is routed by its contract when due.</summary>
    private const string ByContract = "";

    private readonly CancellationTokenSource _stop = new();
    /// <summary>Stores <paramref name="envelope"/> (its <see cref="Envelope.DeliverAt"/> in the future) for <paramref name="endpoint"/>, or for routing by contract.</summary>
    public async ValueTask ScheduleAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken)
    {
        MessageRecord record = MessageRecord.FromEnvelope(envelope, endpoint?.Name ?? ByContract, envelope.PayloadForStore());
        await store.Queue.EnqueueAsync([record], claims.Next(), cancellationToken).ConfigureAwait(false);
        Arm(record);
    }

    /// <summary>Takes over delayed rows nobody holds, now and every third of the claim duration, until stopped.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var endpoints = new List<string>(routes.Endpoints.Count + 1) { ByContract };
        foreach (TransportEndpoint endpoint in routes.Endpoints)
        {
            endpoints.Add(endpoint.Name);
        }

        using CancellationTokenRegistration stop = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _stop);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                IReadOnlyList<MessageRecord> page;
                do
                {
                    page = await store.Queue.ClaimAsync(endpoints, claims.Next(), 256, cancellationToken).ConfigureAwait(false);
                    foreach (MessageRecord record in page)
                    {
                        Arm(record);
                    }
                }
                while (page.Count > 0);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.StoreFailed(logger, ex, "taking over delayed messages");
            }

            try
            {
                await Task.Delay(claims.Duration / 3, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Arm(MessageRecord record)
    {
        using (ExecutionContext.SuppressFlow())
        {
            _ = SendWhenDueAsync(record);
        }
    }

    private async Task ReleaseQuietlyAsync(MessageRecord record)
    {
        try
        {
            await store.Queue.ReleaseAsync([record], CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not released either: the row waits until this bus's claims are released at stop.
            Log.StoreFailed(logger, ex, "releasing a delayed message");
        }
    }

    private async Task SendWhenDueAsync(MessageRecord record)
    {
        try
        {
            if (record.DueAt is { } due && due - time.GetUtcNow() is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, _stop.Token).ConfigureAwait(false);
            }

            if (!catalog.TryFind(record.ContractName, record.ContractVersion, out ContractDescriptor? contract))
            {
                Log.UnknownContract(logger, record.MessageId, record.ContractName, record.ContractVersion, record.Endpoint);
                return; // left in the store, claimed until this bus stops: a process that knows the contract takes it over
            }

            TransportEndpoint? endpoint = record.Endpoint.Length == 0 ? null : routes.Named(record.Endpoint);
            if (record.Endpoint.Length > 0 && endpoint is null)
            {
                Log.UnknownStoredEndpoint(logger, record.MessageId, record.Endpoint);
                return;
            }

            await transport.SendAsync(record.ToEnvelope(contract), endpoint, _stop.Token).ConfigureAwait(false);
            await store.Queue.CompleteAsync(record, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping: the row stays in the store, released with this bus's claims.
        }
        catch (Exception ex)
        {
            // Not sent: released, so the next take-over (here or on another bus) tries again (at least once).
            Log.StoreFailed(logger, ex, $"sending delayed message {record.MessageId} when due");
            await ReleaseQuietlyAsync(record).ConfigureAwait(false);
        }
    }
}
