using System;

namespace Contracts.Storage;

/// <summary>What a store does: the core asks these instead of testing for a kind of store.</summary>
[Flags]
public enum StoreCapabilities
{
    /// <summary>Everything is gone with the process (the in-memory store).</summary>
    None = 0,

    /// <summary>What is stored survives a restart: the in-memory transport's queues become durable on it.</summary>
    Durable = 1,

    /// <summary><see cref="IMessageStore.BeginConsumeAsync"/> works: a handler's own work commits with the inbox key.</summary>
    ConsumeTransactions = 2,
}
