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
