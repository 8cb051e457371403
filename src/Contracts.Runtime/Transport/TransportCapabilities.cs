using System;
using System.ComponentModel;

namespace Contracts.Transport;

/// <summary>
/// What a transport does itself. Where a capability is missing the core falls back: dead letters go to the store's
/// dead-letter table; a transport without <see cref="InProcess"/> or <see cref="RequestReply"/> cannot carry queries.
/// </summary>
[Flags]
[EditorBrowsable(EditorBrowsableState.Advanced)]
public enum TransportCapabilities
{
    /// <summary>Nothing beyond sending, receiving and settling.</summary>
    None = 0,

    /// <summary>
    /// Envelopes reach handlers as objects in this process: a query's caller is completed directly (no reply message)
    /// and messages are serialized only when a store or <see cref="InMemoryTransportOptions.SerializeMessages"/> asks.
    /// </summary>
    InProcess = 1,

    /// <summary>An envelope with <see cref="Envelope.DeliverAt"/> in the future is held by the transport until then, and <see cref="IDeliveryControl.RescheduleAsync"/> works.</summary>
    NativeDelay = 2,

    /// <summary>
    /// The transport keeps dead letters itself (<see cref="IDeliveryControl.DeadLetterAsync"/>) and lists them through
    /// <see cref="ITransport.DeadLetters"/>; without it the core keeps them in the store.
    /// </summary>
    NativeDeadLetters = 4,

    /// <summary>Several processes may consume one endpoint; each message goes to one of them.</summary>
    CompetingConsumers = 8,

    /// <summary>Queries travel as a request and a reply message (<see cref="ITransport.ReplyAddress"/>, <see cref="ITransport.ReplyAsync"/>).</summary>
    RequestReply = 16,

    /// <summary>Messages survive a restart of the process (a broker, or a durable store under the in-memory queues).</summary>
    Durable = 32,
}
