using System;
using System.IO;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite.Tests.Compliance;

/// <summary>SQLite on a real file: a new file for every test, and each open is another store (another process) on it.</summary>
public sealed class SqliteStoreFixture : StoreFixture, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "contracts-store-compliance-" + Guid.NewGuid().ToString("N"));
    private string _database = "";

    public SqliteStoreFixture()
    {
        Directory.CreateDirectory(_folder);
    }

    public override Task ResetAsync()
    {
        _database = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db");
        return Task.CompletedTask;
    }

    public override async Task<IMessageStore> OpenAsync()
    {
        var store = new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = $"Data Source={_database}", Synchronous = SqliteSynchronous.Normal });
        await store.InitializeAsync(default);
        return store;
    }

    public override async Task CommitToOutboxAsync(IMessageStore store, MessageRecord record)
    {
        using SqliteConnection connection = ((SqliteMessageStore)store).OpenConnection();
        using SqliteTransaction transaction = connection.BeginTransaction();
        await new SqliteOutboxWriter(transaction).WriteAsync(record, default);
        transaction.Commit();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class SqliteStoreCompliance(SqliteStoreFixture fixture) : StoreCompliance<SqliteStoreFixture>(fixture);
