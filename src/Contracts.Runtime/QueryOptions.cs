using System;
using System.Collections.Generic;

namespace Contracts;

/// <summary>Options for one query.</summary>
public sealed class QueryOptions
{
    /// <summary>How long to wait for the reply; <see cref="ContractsOptions.QueryTimeout"/> when not set.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The conversation to join; a new one when not set.</summary>
    public Guid? CorrelationId { get; init; }

    /// <summary>Application headers carried with the query.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
