using System;
using System.Linq;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>The store creates its schema, upgrades an older one in place, and refuses one newer than itself.</summary>
public sealed class SchemaTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema("schema");

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await PostgresServer.DropSchemaAsync(_schema);

    private PostgresMessageStore Store(Action<PostgresStoreOptions>? configure = null)
    {
        var options = new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema };
        configure?.Invoke(options);
        return new PostgresMessageStore(options);
    }

    private Task<long> VersionAsync() => PostgresServer.ScalarAsync($"SELECT max(version) FROM \"{_schema}\".schema_versions");

    [Fact]
    public async Task A_fresh_database_gets_the_latest_schema_and_a_second_start_changes_nothing()
    {
        await using (PostgresMessageStore store = Store())
        {
            await store.InitializeAsync(default);
        }

        await using (PostgresMessageStore again = Store())
        {
            await again.InitializeAsync(default);
        }

        Assert.Equal(PostgresMessageStore.SchemaVersion, await VersionAsync());
        Assert.Equal(PostgresMessageStore.SchemaVersion, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".schema_versions"));
        // The tables that churn at the message rate are vacuumed early (version 4).
        foreach (string table in (string[])["queue", "outbox"])
        {
            Assert.Equal(1, await PostgresServer.ScalarAsync(
                $"SELECT count(*) FROM pg_class WHERE oid = '\"{_schema}\".{table}'::regclass AND 'autovacuum_vacuum_threshold=1000' = ANY(reloptions) AND 'autovacuum_vacuum_scale_factor=0' = ANY(reloptions)"));
        }
    }

    [Fact]
    public async Task Processes_starting_together_migrate_once()
    {
        PostgresMessageStore[] stores = [.. Enumerable.Range(0, 6).Select(_ => Store())];
        try
        {
            await Task.WhenAll(stores.Select(s => s.InitializeAsync(default).AsTask()));
        }
        finally
        {
            foreach (PostgresMessageStore store in stores)
            {
                await store.DisposeAsync();
            }
        }

        Assert.Equal(PostgresMessageStore.SchemaVersion, await PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".schema_versions"));
    }

    [Fact]
    public async Task A_schema_of_the_first_version_is_upgraded_and_keeps_its_rows()
    {
        await using (NpgsqlConnection connection = await PostgresServer.OpenAsync())
        {
            await PostgresSchema.MigrateAsync(connection, _schema, migrate: true, default, target: 1);
        }

        // A row queued by the first version, claimed by a bus that died: no deliveries column yet.
        await PostgresServer.ExecuteAsync(
            $"INSERT INTO \"{_schema}\".queue (endpoint, message_id, contract, version, correlation_id, attempt, sent_at, payload, owner, claimed_until) " +
            $"VALUES ('Old.Endpoint', '{Guid.NewGuid()}', 'Old.Contract', 1, '{Guid.NewGuid()}', 1, now(), '\\x9101', 'dead-bus', now() - interval '1 minute')");
        Assert.Equal(1, await VersionAsync());

        await using PostgresMessageStore store = Store();
        await store.InitializeAsync(default);

        Assert.Equal(PostgresMessageStore.SchemaVersion, await VersionAsync());
        MessageRecord taken = Assert.Single(await store.Queue.ClaimAsync(["Old.Endpoint"], new StoreClaim("new-bus", DateTimeOffset.UtcNow.AddMinutes(1)), 10, default));
        Assert.Equal("Old.Contract", taken.ContractName);
        Assert.Equal(new byte[] { 0x91, 0x01 }, taken.Payload.ToArray());
        Assert.Equal(1, taken.Deliveries); // the old row started at 0; this claim counts one
    }

    [Fact]
    public async Task A_schema_of_version_11_gets_archiving_and_its_streams_keep_their_state()
    {
        await using (NpgsqlConnection connection = await PostgresServer.OpenAsync())
        {
            await PostgresSchema.MigrateAsync(connection, _schema, migrate: true, default, target: 11);
        }

        await using PostgresMessageStore store = Store();
        await using (NpgsqlConnection connection = await PostgresServer.OpenAsync())
        {
            // Streams written by version 11's append_events: one live, one deleted.
            foreach (string stream in (string[])["live", "gone"])
            {
                await using var append = new NpgsqlCommand(
                    $"SELECT r_version FROM \"{_schema}\".append_events($1, -1, now(), ARRAY[gen_random_uuid()], ARRAY['Old.Event'], ARRAY[1], ARRAY[gen_random_uuid()], ARRAY[NULL::uuid], ARRAY[NULL::bytea], ARRAY['\\x90'::bytea])",
                    connection);
                append.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
                Assert.Equal(0L, await append.ExecuteScalarAsync());
            }

            await PostgresServer.ExecuteAsync($"UPDATE \"{_schema}\".streams SET deleted_at = now() WHERE stream_id = 'gone'");
        }

        await store.InitializeAsync(default);
        Assert.Equal(PostgresMessageStore.SchemaVersion, await VersionAsync());
        IEventLogStore log = store.Events;
        Assert.Equal(new StreamState(1, Deleted: false, Archived: false), await log.GetStreamAsync("live", default));
        Assert.Equal(new StreamState(1, Deleted: true, Archived: false), await log.GetStreamAsync("gone", default));
        await Assert.ThrowsAsync<StreamDeletedException>(async () => await log.AppendAsync("gone", ExpectedVersion.Any, [NewEvent()], null, default));

        await log.ArchiveStreamAsync("live", ExpectedVersion.Exactly(1), default);
        await Assert.ThrowsAsync<StreamArchivedException>(async () => await log.AppendAsync("live", ExpectedVersion.Exactly(1), [NewEvent()], null, default));
        Assert.Equal(2L, await log.AppendAsync("new", ExpectedVersion.NoStream, [NewEvent(), NewEvent()], null, default));
        Assert.Equal(4L, await log.ReadHeadPositionAsync(default));
    }

    private static EventRecord NewEvent() => new()
    {
        EventId = Guid.NewGuid(),
        ContractName = "New.Event",
        ContractVersion = 1,
        CorrelationId = Guid.NewGuid(),
        Payload = new byte[] { 0x90 },
    };

    [Fact]
    public async Task A_schema_newer_than_the_library_is_refused_with_a_clear_error()
    {
        await using (PostgresMessageStore store = Store())
        {
            await store.InitializeAsync(default);
        }

        int newer = PostgresMessageStore.SchemaVersion + 1;
        await PostgresServer.ExecuteAsync($"INSERT INTO \"{_schema}\".schema_versions (version, description) VALUES ({newer}, 'from the future')");

        await using PostgresMessageStore old = Store();
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => old.InitializeAsync(default).AsTask());
        Assert.Contains($"version {newer}, newer than this Contracts.Storage.Postgres (version {PostgresMessageStore.SchemaVersion})", error.Message, StringComparison.Ordinal);
        Assert.Contains(_schema, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_schema_creation_a_missing_or_older_schema_is_a_clear_error()
    {
        await using PostgresMessageStore store = Store(o => o.CreateSchema = false);
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(default).AsTask());
        Assert.Contains($"is at version 0, and this Contracts.Storage.Postgres needs version {PostgresMessageStore.SchemaVersion}", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await PostgresServer.ScalarAsync($"SELECT count(*) FROM pg_namespace WHERE nspname = '{_schema}'"));
    }

    [Fact]
    public void A_schema_name_that_would_need_quoting_is_refused()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new ContractsOptions().UsePostgres(PostgresServer.ConnectionString, o => o.Schema = "Shop; DROP"));
        Assert.Contains("schema name 'Shop; DROP' is not valid", error.Message, StringComparison.Ordinal);
    }
}
