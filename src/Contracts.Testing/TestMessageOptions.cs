using System;
using System.Collections.Generic;

namespace Contracts.Testing;

/// <summary>What the delivery a <see cref="TestMessageContext"/> pretends to be carries; everything has a default.</summary>
public sealed class TestMessageOptions
{
    /// <summary>The handled message's id; a new UUID v7 by default.</summary>
    public Guid? MessageId { get; set; }

    /// <summary>The conversation; the message id by default, as for a message sent from outside a handler.</summary>
    public Guid? CorrelationId { get; set; }

    /// <summary>The message whose handler sent this one; none by default.</summary>
    public Guid? CausationId { get; set; }

    /// <summary>Application headers; none by default.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; set; }

    /// <summary>The delivery attempt, from 1 (the default): set 2 or more to test a handler on a retry.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>When the message was sent; now by default.</summary>
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>The endpoint name; the contract's endpoint by default.</summary>
    public string? Endpoint { get; set; }

    /// <summary>What <see cref="MessageContext.Services"/> returns; a provider with no services by default.</summary>
    public IServiceProvider? Services { get; set; }
}
