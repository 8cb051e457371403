using System;

namespace Contracts;

/// <summary>
/// Another step of the same saga instance saved first: this step's state and sends are thrown away and the step
/// runs again on the state that won. The runtime retries it by itself; it reaches a handler's logs only when the
/// conflicts go on past the limit, and the delivery then follows the endpoint's retry policy.
/// </summary>
public sealed class SagaConcurrencyException : Exception
{
    /// <summary>Creates the exception for instance <paramref name="sagaId"/> of saga <paramref name="saga"/>.</summary>
    /// <param name="saga">The saga's stored name.</param>
    /// <param name="sagaId">The instance.</param>
    /// <param name="expectedVersion">The version the step read (0: it found none and started one).</param>
    /// <param name="inner">The store's own error, if any.</param>
    public SagaConcurrencyException(string saga, string sagaId, long expectedVersion, Exception? inner = null)
        : base($"Saga '{saga}' instance '{sagaId}' changed while a step ran on version {expectedVersion}: another step saved first. The step runs again on the new state.", inner)
    {
        Saga = saga;
        SagaId = sagaId;
        ExpectedVersion = expectedVersion;
    }

    /// <summary>The saga's stored name.</summary>
    public string Saga { get; }

    /// <summary>The instance.</summary>
    public string SagaId { get; }

    /// <summary>The version the losing step read.</summary>
    public long ExpectedVersion { get; }
}
