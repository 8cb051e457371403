using System;

namespace Contracts.Storage.Sqlite;

/// <summary>How the SQLite store commits: see <see cref="SqliteStoreOptions.Synchronous"/>.</summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// <c>PRAGMA synchronous=FULL</c>: every commit is flushed to disk (fsync of the WAL), so a committed message
    /// survives a power loss. Group commit shares one flush among every send waiting at that moment. The default.
    /// </summary>
    Full,

    /// <summary>
    /// <c>PRAGMA synchronous=NORMAL</c>: commits reach the operating system at once and disk at checkpoints. A
    /// committed message survives the process being killed, but the last commits may be lost on a power loss or an
    /// operating-system crash. Much faster when handlers commit one message at a time (EffectivelyOnce).
    /// </summary>
    Normal,
}

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
