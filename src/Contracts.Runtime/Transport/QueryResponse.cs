using System;
using System.ComponentModel;

namespace Contracts.Transport;

/// <summary>A query's reply on the wire: the serialized result, or the handler's failure.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly record struct QueryResponse
{
    /// <summary>A successful reply.</summary>
    /// <param name="result">The result, serialized with the query's <see cref="ContractDescriptor.ResultFormatter"/>.</param>
    /// <returns>The reply.</returns>
    public static QueryResponse Success(ReadOnlyMemory<byte> result) => new() { Result = result };

    /// <summary>A failed reply.</summary>
    /// <param name="errorType">The full name of the handler's exception type.</param>
    /// <param name="errorMessage">Its message.</param>
    /// <returns>The reply.</returns>
    public static QueryResponse Failure(string errorType, string errorMessage) => new() { ErrorType = errorType, ErrorMessage = errorMessage };

    /// <summary>The serialized result, when the handler succeeded.</summary>
    public ReadOnlyMemory<byte> Result { get; init; }

    /// <summary>The handler's exception type, when it failed.</summary>
    public string? ErrorType { get; init; }

    /// <summary>The handler's exception message, when it failed.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Whether the handler failed.</summary>
    public bool IsFailure => ErrorType is not null;
}
