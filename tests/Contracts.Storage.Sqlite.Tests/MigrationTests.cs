using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.EventSourcing;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>A file written by an older version opens, and its rows are delivered, after the columns added since.</summary>
public sealed class MigrationTests
{
    /// <summary>The queue table as the first version wrote it: no claim columns, no count of deliveries, no priority.</summary>
    private const string FirstVersionQueue = """
        CREATE TABLE contracts_queue (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        endpoint TEXT NOT NULL, message_id BLOB NOT NULL, contract TEXT NOT NULL, version INTEGER NOT NULL,
        correlation_id BLOB NOT NULL, causation_id BLOB, idempotency_key TEXT, attempt INTEGER NOT NULL, sent_at INTEGER NOT NULL,
        due_at INTEGER, trace_parent TEXT, trace_state TEXT, headers BLOB, payload BLOB NOT NULL, first_failed_at INTEGER, last_error TEXT);
        """;

    [Fact]
    public async Task A_row_queued_before_claims_and_delivery_counts_existed_is_claimed_with_its_first_delivery_counted()
    {
        using var database = new TempDatabase();
        var id = Guid.NewGuid();
        using (Microsoft.Data.Sqlite.SqliteConnection connection = database.Open())
        {
            using Microsoft.Data.Sqlite.SqliteCommand create = connection.CreateCommand();
            create.CommandText = FirstVersionQueue +
                "INSERT INTO contracts_queue (endpoint, message_id, contract, version, correlation_id, idempotency_key, attempt, sent_at, payload) " +
                "VALUES ('Old.Endpoint', $id, 'Old.Contract', 1, $id, 'k', 2, 1700000000000, x'9101');";
            create.Parameters.AddWithValue("$id", id);
            create.ExecuteNonQuery();
        }

        await using var store = new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString });
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        IReadOnlyList<MessageRecord> claimed = await store.Queue.ClaimAsync(
            ["Old.Endpoint"], new StoreClaim("new", DateTimeOffset.UtcNow.AddMinutes(1)), 10, TestContext.Current.CancellationToken);

        MessageRecord record = Assert.Single(claimed);
        Assert.Equal(id, record.MessageId);
        Assert.Equal(2, record.Attempt);
        Assert.Equal(1, record.Deliveries);
        Assert.Equal(0, record.Priority);
        Assert.Equal(new byte[] { 0x91, 0x01 }, record.Payload.ToArray());
    }

    [Fact]
    public async Task Streams_written_before_archiving_existed_keep_their_state_and_can_be_archived()
    {
        using var database = new TempDatabase();
        using (Microsoft.Data.Sqlite.SqliteConnection connection = database.Open())
        {
            using Microsoft.Data.Sqlite.SqliteCommand create = connection.CreateCommand();
            create.CommandText =
                "CREATE TABLE contracts_streams (stream_id TEXT PRIMARY KEY, version INTEGER NOT NULL, deleted_at INTEGER) WITHOUT ROWID;" +
                "INSERT INTO contracts_streams (stream_id, version, deleted_at) VALUES ('live', 0, NULL), ('gone', 0, 1700000000000);";
            create.ExecuteNonQuery();
        }

        await using var store = new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString });
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        IEventLogStore log = store.Events;
        Assert.Equal(new StreamState(0, Deleted: false, Archived: false), await log.GetStreamAsync("live", TestContext.Current.CancellationToken));
        Assert.Equal(new StreamState(0, Deleted: true, Archived: false), await log.GetStreamAsync("gone", TestContext.Current.CancellationToken));
        await log.ArchiveStreamAsync("live", ExpectedVersion.NoStream, TestContext.Current.CancellationToken);
        Assert.Equal(new StreamState(0, Deleted: false, Archived: true), await log.GetStreamAsync("live", TestContext.Current.CancellationToken));
    }
}
