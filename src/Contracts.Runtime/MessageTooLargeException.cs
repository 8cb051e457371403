using System;

namespace Contracts;

/// <summary>Thrown when a serialized message is larger than <see cref="ContractsOptions.MaxPayloadBytes"/>.</summary>
public sealed class MessageTooLargeException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="contract">The contract of the message.</param>
    /// <param name="size">Its serialized size.</param>
    /// <param name="limit">The limit.</param>
    public MessageTooLargeException(ContractDescriptor contract, int size, int limit)
        : base($"A '{contract}' message is {size} bytes, over the limit of {limit} bytes (ContractsOptions.MaxPayloadBytes). " +
               "Send a reference to large data (a blob id) instead of the data, or raise the limit.")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>The serialized size.</summary>
    public int Size { get; }

    /// <summary>The limit.</summary>
    public int Limit { get; }
}
