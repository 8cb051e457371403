using System;
using System.Threading.Tasks;
using Contracts.Storage;
using Contracts.Testing.Compliance;

namespace Contracts.Runtime.Tests.Compliance;

/// <summary>The in-memory store: one instance is the "database" every store of a test opens.</summary>
public sealed class InMemoryStoreFixture : StoreFixture
{
    private InMemoryMessageStore _store = New();

    public override Task ResetAsync()
    {
        _store = New();
        return Task.CompletedTask;
    }

    public override Task<IMessageStore> OpenAsync() => Task.FromResult<IMessageStore>(_store);

    public override Task CommitToOutboxAsync(IMessageStore store, MessageRecord record)
    {
        ((InMemoryMessageStore)store).AddToOutbox(record);
        return Task.CompletedTask;
    }

    private static InMemoryMessageStore New() => new(maxDeadLetters: 1000, TimeProvider.System);
}

public sealed class InMemoryStoreCompliance(InMemoryStoreFixture fixture) : StoreCompliance<InMemoryStoreFixture>(fixture);
