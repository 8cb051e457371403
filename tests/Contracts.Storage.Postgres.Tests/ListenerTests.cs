using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>A notification wakes only the loops that take what it says became free.</summary>
public sealed class ListenerTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema("listen");
    private PostgresMessageStore _listener = null!;
    private PostgresMessageStore _other = null!;

    public async ValueTask InitializeAsync()
    {
        _listener = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema });
        await _listener.InitializeAsync(default);
        _other = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema, ListenForWork = false });
        await _other.InitializeAsync(default);
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        await _other.DisposeAsync();
        await PostgresServer.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task Outbox_rows_wake_the_relay_only_and_released_rows_wake_both()
    {
        int queueWakes = 0;
        int outboxWakes = 0;
        using IDisposable queue = ((IMessageStore)_listener).OnWork(StoreWork.QueueRows, () => Interlocked.Increment(ref queueWakes));
        using IDisposable outbox = ((IMessageStore)_listener).OnWork(StoreWork.OutboxRows, () => Interlocked.Increment(ref outboxWakes));
        await Wait.UntilAsync(() => Task.FromResult(_listener.Listening), "the listener listens");
        Volatile.Write(ref queueWakes, 0);
        Volatile.Write(ref outboxWakes, 0);

        await using (IConsumeTransaction transaction = await ((IMessageStore)_other).BeginConsumeAsync(default))
        {
            await transaction.WriteOutboxAsync(Contract.Record(new Work(1)), default);
            await transaction.CommitAsync("work", "key-1", default);
        }

        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref outboxWakes) > 0), "the outbox commit wakes the relay");
        await Task.Delay(200); // a queue wake from the same notification would have come with it
        Assert.Equal(0, Volatile.Read(ref queueWakes));

        Volatile.Write(ref outboxWakes, 0);
        await _other.Queue.ReleaseAsync("a bus that stops", default);
        await Wait.UntilAsync(
            () => Task.FromResult(Volatile.Read(ref queueWakes) > 0 && Volatile.Read(ref outboxWakes) > 0),
            "a stopping bus's release wakes the take-over and the relay (it gives back queue and outbox rows)");
    }

    [Theory]
    [InlineData("queue", StoreWork.QueueRows)]
    [InlineData("outbox", StoreWork.OutboxRows)]
    [InlineData("queue outbox", StoreWork.QueueRows | StoreWork.OutboxRows)]
    [InlineData("events", StoreWork.EventsAppended)]
    [InlineData("", StoreWork.QueueRows | StoreWork.OutboxRows | StoreWork.EventsAppended)]        // an older process's empty payload
    [InlineData("something new", StoreWork.QueueRows | StoreWork.OutboxRows | StoreWork.EventsAppended)]
    public void A_payload_names_the_work_and_one_it_cannot_read_wakes_everything(string payload, StoreWork expected) =>
        Assert.Equal(expected, PostgresListener.WorkOf(payload));
}
