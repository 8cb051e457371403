using System;

namespace Contracts.Storage.Sqlite;

/// <summary>Settings of the SQLite store; passed to <see cref="SqliteContractsExtensions.UseSqlite"/>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The connection string, for example <c>Data Source=data/shop.db</c>. Its folder is created if missing.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Durability of a commit. Default <see cref="SqliteSynchronous.Full"/>.</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>The most writes (sends, completions, dead letters) committed together in one transaction. Default 1024.</summary>
    public int MaxBatchSize { get; set; } = 1024;

    /// <summary>How long a connection waits for another one's write lock before failing. Default 30 seconds.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
