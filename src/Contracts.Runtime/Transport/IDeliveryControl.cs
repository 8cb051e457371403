using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Transport;

/// <summary>
/// How the core settles one received message with the transport that delivered it. The core calls exactly one
/// settling method per delivery (<see cref="CompleteAsync"/> may come first on an <see cref="DeliveryMode.AtMostOnce"/>
/// endpoint, before the handler runs, and a dead letter may follow it). A delivery the core never settles (it threw)
/// is abandoned by the transport.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IDeliveryControl
{
    /// <summary>
    /// How many times this message has been delivered, this delivery included, as the transport counts it durably and
    /// before the handler runs (so a delivery that took the process down is counted too). Above
    /// <see cref="ContractsOptions.MaxUnfinishedDeliveries"/> the core dead-letters the message
    /// (<see cref="DeadLetterReason.CrashLoop"/>) without handling it. A transport that keeps no such count leaves the
    /// default, 1: a message that crashes the process is then never found out by the core.
    /// </summary>
    int DeliveryCount => 1;

    /// <summary>
    /// Whether the transport holds this delivery's delayed retry itself, through <see cref="RescheduleAsync"/>, even
    /// without <see cref="TransportCapabilities.NativeDelay"/>: a partitioned endpoint keeps the retry in its key's
    /// lane, the message unacknowledged, so that no later message of the key overtakes it. Default <see langword="false"/>:
    /// the core's store schedules the retry.
    /// </summary>
    bool HoldsRetries => false;

    /// <summary>The message is done with (handled, dropped as a duplicate or expired): remove it for good.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when the transport removed (acknowledged) it.</returns>
    ValueTask CompleteAsync(CancellationToken cancellationToken);

    /// <summary>The message was not handled (the bus is stopping): leave it to be delivered again, here or elsewhere.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when the transport took it back.</returns>
    ValueTask AbandonAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Moves the message to the transport's dead letters with why (only with <see cref="TransportCapabilities.NativeDeadLetters"/>;
    /// otherwise the core stores the letter and calls <see cref="CompleteAsync"/>).
    /// </summary>
    /// <param name="letter">The failure; <see cref="DeadLetter.Message"/> is the message as the core read it.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when the dead letter is kept and the delivery removed.</returns>
    ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the delivery with <paramref name="retry"/> (the next attempt, due at its <see cref="Envelope.DeliverAt"/>),
    /// on this endpoint only (with <see cref="TransportCapabilities.NativeDelay"/>).
    /// </summary>
    /// <param name="retry">The envelope of the next attempt.</param>
    /// <param name="firstFailedAt">When the first attempt failed.</param>
    /// <param name="error">The failure that caused the retry.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Completes when the retry is scheduled and the delivery removed.</returns>
    ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken);
}
