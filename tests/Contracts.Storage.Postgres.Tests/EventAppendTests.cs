using System;
using System.Threading.Tasks;
using Contracts.EventSourcing;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// The append sends its statements in one batch after the stream's lock, each guarded by the version check: a refused
/// append must leave nothing behind even in an event-log transaction that its caller goes on to commit.
/// </summary>
public sealed class EventAppendTests
{
    private static EventRecord Event(int n) => new() { EventId = Guid.NewGuid(), ContractName = "test.added", CorrelationId = Guid.NewGuid(), Payload = new byte[] { (byte)n } };

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
}
