using System;

namespace Contracts.Pipeline;

/// <summary>Thrown into the pipeline when a payload cannot be read as its contract; such a message is never retried.</summary>
public sealed class UnreadableMessageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the payload.</param>
    /// <param name="innerException">The serializer's error, if any.</param>
    public UnreadableMessageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
