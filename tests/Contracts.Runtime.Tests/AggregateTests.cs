using System;
using Contracts.Storage;
using Contracts.Tests.Aggregates;

namespace Contracts.Runtime.Tests;

/// <summary>The aggregate suite on the in-memory store.</summary>
public sealed class InMemoryAggregateTests : AggregateSuite
{
    protected override IMessageStore CreateStore() => new InMemoryMessageStore(1_000, TimeProvider.System);
}
