using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;

namespace Contracts.Transport;

/// <summary>What a transport needs at start: the endpoints of this process, the catalog and whom to hand deliveries.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class TransportContext
{
    internal TransportContext(
        ContractCatalog catalog, IReadOnlyList<TransportEndpoint> endpoints, ITransportReceiver receiver, int maxPayloadBytes,
        TimeSpan shutdownTimeout, TimeSpan maxDeliveryDelay, CancellationToken aborted)
    {
        MaxDeliveryDelay = maxDeliveryDelay;
        Catalog = catalog;
        Endpoints = endpoints;
        Receiver = receiver;
        MaxPayloadBytes = maxPayloadBytes;
        ShutdownTimeout = shutdownTimeout;
        Aborted = aborted;
    }

    /// <summary>Every contract this process knows: a received message names one of them, or is unreadable.</summary>
    public ContractCatalog Catalog { get; }

    /// <summary>
    /// The endpoints of this process's handlers: one per command or query handler, one per event subscription. Consume
    /// those whose <see cref="EndpointOptions.Consume"/> is set; the others are handled by other processes.
    /// </summary>
    public IReadOnlyList<TransportEndpoint> Endpoints { get; }

    /// <summary>Receives deliveries and replies.</summary>
    public ITransportReceiver Receiver { get; }

    /// <summary>The largest payload accepted (<see cref="ContractsOptions.MaxPayloadBytes"/>).</summary>
    public int MaxPayloadBytes { get; }

    /// <summary>
    /// The furthest ahead a message may be due (<see cref="ContractsOptions.MaxDeliveryDelay"/>): a transport that holds
    /// early arrivals hands one due later than that to the receiver, which dead-letters it, instead of parking it.
    /// </summary>
    public TimeSpan MaxDeliveryDelay { get; }

    /// <summary>How long stopping lets queued and in-flight deliveries finish (<see cref="ContractsOptions.ShutdownTimeout"/>).</summary>
    public TimeSpan ShutdownTimeout { get; }

    /// <summary>Signalled when stopping ran out of time: handlers are being cancelled, and what is still queued stays unhandled.</summary>
    public CancellationToken Aborted { get; }
}
