using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// In an event-log transaction the append sends its statements in one batch after the stream's lock, each guarded by
/// the version check: a refused append must leave nothing behind even in a transaction its caller goes on to commit.
/// A plain append is one call of the schema's <c>append_events</c> function in autocommit: refused, failed or
/// cancelled, it must leave nothing behind either (no events, no position, no stream row, no outbox row, no wake).
/// </summary>
public sealed class EventAppendTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema("append");
    private readonly List<PostgresMessageStore> _stores = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (PostgresMessageStore store in _stores)
        {
            await store.DisposeAsync();
        }

        await PostgresServer.DropSchemaAsync(_schema);
    }

    private static EventRecord Event(int n) => new() { EventId = Guid.NewGuid(), ContractName = "test.added", CorrelationId = Guid.NewGuid(), Payload = new byte[] { (byte)n } };

    private static MessageRecord Publication(int n) => new()
    {
        Endpoint = "",
        MessageId = Guid.NewGuid(),
        ContractName = "test.added",
        CorrelationId = Guid.NewGuid(),
        SentAt = DateTimeOffset.UtcNow,
        Payload = new byte[] { (byte)n },
    };

    private async Task<PostgresMessageStore> OpenAsync(bool listen = false)
    {
        var store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema, ListenForWork = listen });
        _stores.Add(store);
        await store.InitializeAsync(default);
        return store;
    }

    private Task<long> CountAsync(string table, string where = "true") => PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".{table} WHERE {where}");

    [Fact]
    public async Task A_refused_append_in_a_transaction_committed_anyway_takes_no_position_and_writes_nothing()
    {
        string schema = PostgresServer.NewSchema("append");
        await using var store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = schema, ListenForWork = false });
        try
        {
            await store.InitializeAsync(default);
            IEventLogStore log = store.Events;
            await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(1), Event(2)], null, default);
            await log.DeleteStreamAsync("cart-gone", ExpectedVersion.Any, default);

            await using (IEventLogTransaction transaction = await log.BeginTransactionAsync(default))
            {
                await Assert.ThrowsAsync<WrongExpectedVersionException>(async () =>
                    await transaction.AppendAsync("cart-1", ExpectedVersion.Exactly(1), [Event(3)], null, default));
                await Assert.ThrowsAsync<WrongExpectedVersionException>(async () =>
                    await transaction.AppendAsync("cart-new", ExpectedVersion.Exactly(4), [Event(4)], null, default));
                await Assert.ThrowsAsync<StreamDeletedException>(async () =>
                    await transaction.AppendAsync("cart-gone", ExpectedVersion.Any, [Event(5)], null, default));
                Assert.Equal(3, await transaction.AppendAsync("cart-1", ExpectedVersion.Exactly(2), [Event(6)], null, default));
                await transaction.CommitAsync(default);
            }

            Assert.Equal(3, await log.ReadHeadPositionAsync(default));
            Assert.Equal(3, await PostgresServer.ScalarAsync($"SELECT count(*) FROM {schema}.events"));
            Assert.Equal(3, await PostgresServer.ScalarAsync($"SELECT max(position) FROM {schema}.events WHERE stream_id = 'cart-1' AND stream_version = 3"));
            Assert.Equal(0, (await log.GetStreamAsync("cart-new", default)).Version);
            Assert.Equal(new StreamState(0, Deleted: true), await log.GetStreamAsync("cart-gone", default));
            EventRecord[] records = [Event(7), Event(8)];
            Assert.Equal(5, await log.AppendAsync("cart-1", ExpectedVersion.Any, records, null, default));
            Assert.Equal((4L, 4L, 5L, 5L), (records[0].StreamVersion, records[0].Position, records[1].StreamVersion, records[1].Position));
        }
        finally
        {
            await PostgresServer.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task A_plain_append_refused_for_its_version_or_a_deleted_stream_writes_nothing_not_even_the_streams_row()
    {
        IEventLogStore log = (await OpenAsync()).Events;
        Assert.Equal(2, await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(1), Event(2)], null, default));
        await log.DeleteStreamAsync("cart-gone", ExpectedVersion.Any, default);

        WrongExpectedVersionException behind = await Assert.ThrowsAsync<WrongExpectedVersionException>(async () =>
            await log.AppendAsync("cart-1", ExpectedVersion.Exactly(1), [Event(3)], [Publication(3)], default));
        Assert.Equal(("cart-1", ExpectedVersion.Exactly(1), 2L), (behind.StreamId, behind.Expected, behind.Actual));
        WrongExpectedVersionException exists = await Assert.ThrowsAsync<WrongExpectedVersionException>(async () =>
            await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(4)], [Publication(4)], default));
        Assert.Equal(2, exists.Actual);
        WrongExpectedVersionException missing = await Assert.ThrowsAsync<WrongExpectedVersionException>(async () =>
            await log.AppendAsync("cart-new", ExpectedVersion.Exactly(3), [Event(5)], [Publication(5)], default));
        Assert.Equal(0, missing.Actual);
        StreamDeletedException deleted = await Assert.ThrowsAsync<StreamDeletedException>(async () =>
            await log.AppendAsync("cart-gone", ExpectedVersion.Any, [Event(6)], [Publication(6)], default));
        Assert.Equal("cart-gone", deleted.StreamId);
        await Assert.ThrowsAsync<StreamDeletedException>(async () => await log.AppendAsync("cart-gone", ExpectedVersion.NoStream, [Event(7)], null, default));

        Assert.Equal(2, await log.ReadHeadPositionAsync(default));
        Assert.Equal(2, await CountAsync("events"));
        Assert.Equal(0, await CountAsync("outbox"));
        Assert.Equal(0, await CountAsync("streams", "stream_id = 'cart-new'"));
        Assert.Equal(new StreamState(2, Deleted: false), await log.GetStreamAsync("cart-1", default));
        Assert.Equal(new StreamState(0, Deleted: true), await log.GetStreamAsync("cart-gone", default));
        Assert.Equal(3, await log.AppendAsync("cart-1", ExpectedVersion.Exactly(2), [Event(8)], null, default));
        Assert.Equal(3, await log.ReadHeadPositionAsync(default));
    }

    [Fact]
    public async Task A_plain_append_that_fails_on_the_server_rolls_back_its_events_its_stream_and_its_publications()
    {
        IEventLogStore log = (await OpenAsync()).Events;
        Assert.Equal(1, await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(1)], [Publication(1)], default));

        // An event the events table refuses (contract is NOT NULL), after the stream's version has moved in the call.
        EventRecord bad = Event(2);
        bad.ContractName = null!;
        PostgresException badEvent = await Assert.ThrowsAsync<PostgresException>(async () =>
            await log.AppendAsync("cart-1", ExpectedVersion.Exactly(1), [Event(3), bad], [Publication(2)], default));
        Assert.Equal(PostgresErrorCodes.NotNullViolation, badEvent.SqlState);

        // A publication the outbox refuses, after the stream was created and the events inserted in the call.
        MessageRecord badPublication = Publication(4);
        badPublication.ContractName = null!;
        PostgresException badOutbox = await Assert.ThrowsAsync<PostgresException>(async () =>
            await log.AppendAsync("cart-2", ExpectedVersion.NoStream, [Event(4), Event(5)], [Publication(5), badPublication], default));
        Assert.Equal(PostgresErrorCodes.NotNullViolation, badOutbox.SqlState);

        Assert.Equal(1, await log.ReadHeadPositionAsync(default));
        Assert.Equal(1, await CountAsync("events"));
        Assert.Equal(1, await CountAsync("outbox"));
        Assert.Equal(new StreamState(1, Deleted: false), await log.GetStreamAsync("cart-1", default));
        Assert.Equal(0, await CountAsync("streams", "stream_id = 'cart-2'"));
        EventRecord[] next = [Event(6)];
        Assert.Equal(1, await log.AppendAsync("cart-2", ExpectedVersion.NoStream, next, null, default));
        Assert.Equal(2, next[0].Position);
    }

    [Fact]
    public async Task A_cancelled_plain_append_waiting_for_the_head_leaves_nothing_behind_and_takes_no_position()
    {
        IEventLogStore log = (await OpenAsync()).Events;
        Assert.Equal(1, await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(1)], null, default));

        // Another transaction holds the head row: the append moves the stream's version, then waits for the head.
        await using NpgsqlConnection holder = await PostgresServer.OpenAsync();
        await using NpgsqlTransaction held = await holder.BeginTransactionAsync();
        await using (var lockHead = new NpgsqlCommand($"SELECT position FROM \"{_schema}\".event_head FOR UPDATE", holder, held))
        {
            await lockHead.ExecuteNonQueryAsync();
        }

        using var cancel = new CancellationTokenSource();
        ValueTask<long> append = log.AppendAsync("cart-1", ExpectedVersion.Exactly(1), [Event(2)], [Publication(2)], cancel.Token);
        await Wait.UntilAsync(
            async () => await PostgresServer.ScalarAsync($"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%{_schema}%append_events%'") > 0,
            "the append waits for the head row");
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await append);
        await held.RollbackAsync();

        Assert.Equal(1, await log.ReadHeadPositionAsync(default));
        Assert.Equal(new StreamState(1, Deleted: false), await log.GetStreamAsync("cart-1", default));
        Assert.Equal(1, await CountAsync("events"));
        Assert.Equal(0, await CountAsync("outbox"));
        EventRecord[] next = [Event(3)];
        Assert.Equal(2, await log.AppendAsync("cart-1", ExpectedVersion.Exactly(1), next, null, default));
        Assert.Equal((2L, 2L), (next[0].StreamVersion, next[0].Position));
    }

    [Fact]
    public async Task Writers_racing_to_create_a_stream_all_land_when_any_version_is_expected_and_one_wins_when_none_is()
    {
        const int Writers = 6;
        const int Rounds = 8;
        IEventLogStore[] logs = [(await OpenAsync()).Events, (await OpenAsync()).Events];
        for (int round = 0; round < Rounds; round++)
        {
            using var start = new SemaphoreSlim(0);
            var any = new Task<long>[Writers];
            var none = new Task<long>[Writers];
            for (int w = 0; w < Writers; w++)
            {
                IEventLogStore log = logs[w % logs.Length];
                string anyStream = $"any-{round}", noneStream = $"none-{round}";
                any[w] = Task.Run(async () => { await start.WaitAsync(); return await log.AppendAsync(anyStream, ExpectedVersion.Any, [Event(w)], null, default); });
                none[w] = Task.Run(async () => { await start.WaitAsync(); return await log.AppendAsync(noneStream, ExpectedVersion.NoStream, [Event(w), Event(w)], null, default); });
            }

            start.Release(2 * Writers);
            var versions = new SortedSet<long>();
            foreach (Task<long> writer in any)
            {
                versions.Add(await writer);
            }

            Assert.Equal([1L, 2, 3, 4, 5, 6], versions);
            int won = 0;
            foreach (Task<long> writer in none)
            {
                try
                {
                    Assert.Equal(2, await writer);
                    won++;
                }
                catch (WrongExpectedVersionException refused)
                {
                    Assert.Equal(2, refused.Actual);
                }
            }

            Assert.Equal(1, won);
            Assert.Equal(new StreamState(Writers, Deleted: false), await logs[0].GetStreamAsync($"any-{round}", default));
        }

        long head = Rounds * (Writers + 2);
        Assert.Equal(head, await logs[1].ReadHeadPositionAsync(default));
        Assert.Equal(head, await CountAsync("events"));
        Assert.Equal(head, await PostgresServer.ScalarAsync($"SELECT coalesce(max(position), 0) FROM \"{_schema}\".events"));
    }

    [Fact]
    public async Task A_plain_append_wakes_event_subscriptions_and_with_publications_the_relay_and_a_refused_one_wakes_nothing()
    {
        PostgresMessageStore listener = await OpenAsync(listen: true);
        IEventLogStore log = (await OpenAsync()).Events;
        int events = 0, outbox = 0;
        using IDisposable onEvents = ((IMessageStore)listener).OnWork(StoreWork.EventsAppended, () => Interlocked.Increment(ref events));
        using IDisposable onOutbox = ((IMessageStore)listener).OnWork(StoreWork.OutboxRows, () => Interlocked.Increment(ref outbox));
        await Wait.UntilAsync(() => Task.FromResult(listener.Listening), "the listener listens");
        Volatile.Write(ref events, 0);
        Volatile.Write(ref outbox, 0);

        await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(1)], null, default);
        await Wait.UntilAsync(() => Task.FromResult(Volatile.Read(ref events) > 0), "the append wakes the event subscriptions");
        await Task.Delay(200); // an outbox wake from the same notification would have come with it
        Assert.Equal(0, Volatile.Read(ref outbox));

        Volatile.Write(ref events, 0);
        await Assert.ThrowsAsync<WrongExpectedVersionException>(async () => await log.AppendAsync("cart-1", ExpectedVersion.NoStream, [Event(2)], [Publication(2)], default));
        await Task.Delay(300);
        Assert.Equal((0, 0), (Volatile.Read(ref events), Volatile.Read(ref outbox)));

        await log.AppendAsync("cart-1", ExpectedVersion.Exactly(1), [Event(3)], [Publication(3)], default);
        await Wait.UntilAsync(
            () => Task.FromResult(Volatile.Read(ref events) > 0 && Volatile.Read(ref outbox) > 0),
            "an append with publications wakes the event subscriptions and the relay");
    }
}
