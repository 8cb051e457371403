using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests.Compliance;

/// <summary>PostgreSQL on the test server: a new schema for every test, and each open is another store (another process) on it.</summary>
public sealed class PostgresStoreFixture : StoreFixture, IAsyncLifetime
{
    private readonly List<string> _schemas = [];
    private string _schema = "";

    public override Task ResetAsync()
    {
        _schema = PostgresServer.NewSchema("store");
        _schemas.Add(_schema);
        return Task.CompletedTask;
    }

    public override async Task<IMessageStore> OpenAsync()
    {
        var store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema });
        await store.InitializeAsync(default);
        return store;
    }

    public override async Task CommitToOutboxAsync(IMessageStore store, MessageRecord record)
    {
        var postgres = (PostgresMessageStore)store;
        await using NpgsqlConnection connection = await postgres.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        await new PostgresOutboxWriter(transaction, PostgresSql.For(postgres.Schema)).WriteAsync(record, default);
        await transaction.CommitAsync();
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (string schema in _schemas)
        {
            await PostgresServer.DropSchemaAsync(schema);
        }
    }
}

public sealed class PostgresStoreCompliance(PostgresStoreFixture fixture) : StoreCompliance<PostgresStoreFixture>(fixture);
