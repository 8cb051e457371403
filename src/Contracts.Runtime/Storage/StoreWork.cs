using System;

namespace Contracts.Storage;

/// <summary>What a store's wake-up (<see cref="IMessageStore.OnWork"/>) is about: each loop listens only for its own.</summary>
[Flags]
public enum StoreWork
{
    /// <summary>Queued rows became free: another bus released them (it stopped, or gave back a page or a lost claim).</summary>
    QueueRows = 1,

    /// <summary>Outbox rows were committed, or given back, by another process.</summary>
    OutboxRows = 2,

    /// <summary>Events were appended to the event log by another process (live subscriptions and projections look).</summary>
    EventsAppended = 4,
}
