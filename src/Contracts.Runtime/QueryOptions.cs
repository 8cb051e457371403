using System;
using System.Collections.Generic;

namespace Contracts;

/// <summary>Options for one query.</summary>
public sealed class QueryOptions
{
    /// <summary>
    /// How long to wait for the reply; <see cref="ContractsOptions.QueryTimeout"/> when not set. For a handler run
    /// inline in this process it counts from when the handler first suspends (a handler that answers without
    /// suspending needs no timer); the handler's token is cancelled at the deadline.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The conversation to join; a new one when not set.</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>Application headers carried with the query.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
