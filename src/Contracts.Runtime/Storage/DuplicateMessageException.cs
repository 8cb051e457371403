using System;

namespace Contracts.Storage;

/// <summary>Thrown by <see cref="IConsumeTransaction.CommitAsync"/> when another delivery recorded the same inbox key first: the work is rolled back.</summary>
public sealed class DuplicateMessageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="key">The inbox key.</param>
    /// <param name="innerException">The store's constraint error.</param>
    public DuplicateMessageException(string endpoint, string key, Exception? innerException = null)
        : base($"Key '{key}' is already in the inbox of endpoint '{endpoint}': another delivery of the same message committed first, so this one was rolled back.", innerException)
    {
        Endpoint = endpoint;
        Key = key;
    }

    /// <summary>The endpoint.</summary>
    public string Endpoint { get; }

    /// <summary>The inbox key.</summary>
    public string Key { get; }
}
