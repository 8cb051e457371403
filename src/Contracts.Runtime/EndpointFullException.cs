using System;

namespace Contracts;

/// <summary>Thrown by a send to an endpoint configured with <see cref="EndpointFullMode.Reject"/> when it is full.</summary>
public sealed class EndpointFullException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="endpoint">The endpoint's name.</param>
    /// <param name="capacity">Its capacity.</param>
    public EndpointFullException(string endpoint, int capacity)
        : base($"Endpoint '{endpoint}' is full ({capacity} messages waiting) and rejects new messages. " +
               "Slow the producer, raise the endpoint's Capacity or MaxConcurrency, or choose FullMode Wait to buffer.")
    {
        Endpoint = endpoint;
        Capacity = capacity;
    }

    /// <summary>Creates the exception with a transport's own explanation, when the capacity is the broker's to know.</summary>
    /// <param name="endpoint">The endpoint's name.</param>
    /// <param name="message">What the transport saw.</param>
    /// <param name="innerException">The transport's error.</param>
    public EndpointFullException(string endpoint, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
        Capacity = -1;
    }

    /// <summary>The endpoint's name.</summary>
    public string Endpoint { get; }

    /// <summary>Its capacity, or -1 when the transport does not know it.</summary>
    public int Capacity { get; }
}
