namespace Contracts;

/// <summary>Settings of the in-memory transport: bounded in-process queues, one per endpoint.</summary>
public sealed class InMemoryTransportOptions : TransportOptions
{
    /// <summary>
    /// Pushes every message through its generated formatter and back, so in-process runs exercise the wire
    /// path (and handlers never share an instance). Off by default.
    /// </summary>
    public bool SerializeMessages { get; set; }

    internal override bool Serializes => SerializeMessages;
}
