using System;
using System.Collections.Concurrent;
using System.Threading;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

public sealed partial class SqliteMessageStore
{
    /// <summary>How many idle inbox readers the store keeps; more at once open and close their own.</summary>
    private const int MaxIdleInboxReaders = 8;

    private readonly ConcurrentQueue<InboxReader> _inboxReaders = new();
    private int _idleInboxReaders;

    /// <summary>
    /// Whether an effectively-once delivery's key is in the inbox: read before every delivery, so on a kept connection
    /// with its statement prepared, not a pooled connection opened (and its pragmas run) and a statement parsed each time.
    /// </summary>
    private bool InboxContains(string endpoint, string key)
    {
        if (_inboxReaders.TryDequeue(out InboxReader? reader))
        {
            Interlocked.Decrement(ref _idleInboxReaders);
        }
        else
        {
            reader = new InboxReader(OpenConnection());
        }

        bool found;
        try
        {
            found = reader.Contains(endpoint, key);
        }
        catch
        {
            reader.Dispose();
            throw;
        }

        if (Volatile.Read(ref _disposed) == 0 && Interlocked.Increment(ref _idleInboxReaders) <= MaxIdleInboxReaders)
        {
            _inboxReaders.Enqueue(reader);
        }
        else
        {
            Interlocked.Decrement(ref _idleInboxReaders);
            reader.Dispose();
        }

        return found;
    }

    private void DisposeInboxReaders()
    {
        while (_inboxReaders.TryDequeue(out InboxReader? reader))
        {
            reader.Dispose();
        }
    }

    /// <summary>A read connection with the inbox lookup prepared on it.</summary>
    private sealed class InboxReader(SqliteConnection connection) : IDisposable
    {
        private readonly SqliteCommand _lookup = SqliteSql.Command(connection, "SELECT 1 FROM contracts_inbox WHERE endpoint = $endpoint AND key = $key", "$endpoint", "$key");

        public bool Contains(string endpoint, string key)
        {
            _lookup.Parameters[0].Value = endpoint;
            _lookup.Parameters[1].Value = key;
            return _lookup.ExecuteScalar() is not null;
        }

        public void Dispose()
        {
            _lookup.Dispose();
            connection.Dispose();
        }
    }
}
