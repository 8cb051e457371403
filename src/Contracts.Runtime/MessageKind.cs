namespace Contracts;

/// <summary>What a contract is: it decides how the bus routes it.</summary>
public enum MessageKind
{
    /// <summary>Point to point, exactly one handler.</summary>
    Command = 1,

    /// <summary>Publish/subscribe, zero or more handlers.</summary>
    Event = 2,

    /// <summary>Request/reply, exactly one handler that returns a result.</summary>
    Query = 3,
}
