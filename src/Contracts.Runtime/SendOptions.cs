using System;
using System.Collections.Generic;

namespace Contracts;

/// <summary>Options for one send or publish.</summary>
public sealed class SendOptions
{
    /// <summary>Deliver no sooner than this long after the send.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Deliver no sooner than this time.</summary>
    public DateTimeOffset? DeliverAt { get; init; }

    /// <summary>The message id to use: keep the same id when retrying a send after a timeout, so the duplicate can be dropped.</summary>
    public Guid? MessageId { get; init; }

    /// <summary>The conversation to join; a new one (the message id) when not set.</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>Application headers carried with the message.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>
    /// The message's priority, for endpoints with <see cref="EndpointOptions.MaxPriority"/> (higher is handled first;
    /// above the endpoint's maximum counts as its maximum). Ignored elsewhere.
    /// </summary>
    public byte? Priority { get; init; }
}
