namespace Contracts;

/// <summary>What an endpoint does when its queue is full.</summary>
public enum EndpointFullMode
{
    /// <summary>The producer waits for room (buffering backpressure).</summary>
    Wait,

    /// <summary>The oldest queued message is dropped to make room; drops are counted.</summary>
    DropOldest,

    /// <summary>The newest queued message is dropped to make room; drops are counted.</summary>
    DropNewest,

    /// <summary>The send fails with <see cref="EndpointFullException"/>.</summary>
    Reject,
}
