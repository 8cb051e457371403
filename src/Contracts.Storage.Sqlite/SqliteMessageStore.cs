using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// The SQLite <see cref="IMessageStore"/>: queue, dead letters, inbox and outbox tables in one file in WAL mode.
/// Every write (send, completion, reschedule, dead letter) goes through one writer loop that commits whatever is
/// waiting in one transaction (group commit), so concurrent senders share a disk flush. Reads use their own
/// pooled connections, which WAL lets run beside the writer.
/// </summary>
public sealed class SqliteMessageStore : IMessageStore
{
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly string _connectionString;
    private readonly Channel<WriteOp> _writes = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _initialize = new(1, 1);
    private Writer? _writer;
    private Task? _writeLoop;
    private long _highestAtStart = -1;
    private int _disposed;

    /// <summary>Creates the store; <see cref="InitializeAsync"/> opens it.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="time">The clock for inbox and relay times.</param>
    public SqliteMessageStore(SqliteStoreOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.ConnectionString);
        _options = options;
        _time = time ?? TimeProvider.System;
        var builder = new SqliteConnectionStringBuilder(options.ConnectionString) { Pooling = true };
        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <inheritdoc />
    public bool IsDurable => true;

    /// <summary>Opens a connection to the store's database with the store's durability settings, for tests and tools.</summary>
    /// <returns>An open connection; the caller disposes it.</returns>
    public SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using SqliteCommand pragma = connection.CreateCommand();
        pragma.CommandText =
            $"PRAGMA busy_timeout = {(long)_options.BusyTimeout.TotalMilliseconds}; " +
            $"PRAGMA synchronous = {(_options.Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL")};";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <inheritdoc />
    public async ValueTask<long> InitializeAsync(CancellationToken cancellationToken)
    {
        await _initialize.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_writer is not null)
            {
                return _highestAtStart;
            }

            if (Path.GetDirectoryName(Path.GetFullPath(DataSource)) is { Length: > 0 } folder && DataSource != ":memory:")
            {
                Directory.CreateDirectory(folder);
            }

            SqliteConnection connection = OpenConnection();
            using (SqliteCommand setup = connection.CreateCommand())
            {
                // WAL: readers never block the writer, and a commit appends to the log instead of rewriting pages.
                setup.CommandText = "PRAGMA journal_mode = WAL;";
                setup.ExecuteNonQuery();
                setup.CommandText = SqliteSql.Schema;
                setup.ExecuteNonQuery();
                setup.CommandText = "SELECT COALESCE(MAX(seq), 0) FROM contracts_queue;";
                _highestAtStart = (long)setup.ExecuteScalar()!;
            }

            _writer = new Writer(connection, _time);
            _writeLoop = Task.Run(WriteLoopAsync, CancellationToken.None);
            return _highestAtStart;
        }
        finally
        {
            _initialize.Release();
        }
    }

    /// <inheritdoc />
    public ValueTask EnqueueAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) =>
        WriteAsync(new EnqueueOp(records), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageRecord>> ReadQueuedAsync(long afterSequence, long upToSequence, int limit, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(
            connection,
            $"SELECT seq, {SqliteSql.MessageColumns} FROM contracts_queue WHERE seq > $after AND seq <= $upTo ORDER BY seq LIMIT $limit",
            "$after", "$upTo", "$limit");
        command.Parameters[0].Value = afterSequence;
        command.Parameters[1].Value = upToSequence;
        command.Parameters[2].Value = limit;
        return ValueTask.FromResult<IReadOnlyList<MessageRecord>>(SqliteSql.ReadRecords(command));
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(string endpoint, MessageRecord? record, string? inboxKey, CancellationToken cancellationToken) =>
        record is null && inboxKey is null ? ValueTask.CompletedTask : WriteAsync(new CompleteOp(endpoint, record, inboxKey), cancellationToken);

    /// <inheritdoc />
    public ValueTask RescheduleAsync(MessageRecord record, CancellationToken cancellationToken) =>
        WriteAsync(new RescheduleOp(record), cancellationToken);

    /// <inheritdoc />
    public ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken) =>
        WriteAsync(new DeadLetterOp(letter), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        return ValueTask.FromResult(InboxContains(connection, null, endpoint, key));
    }

    internal static bool InboxContains(SqliteConnection connection, SqliteTransaction? transaction, string endpoint, string key)
    {
        using SqliteCommand command = SqliteSql.Command(connection, "SELECT 1 FROM contracts_inbox WHERE endpoint = $endpoint AND key = $key", "$endpoint", "$key");
        command.Transaction = transaction;
        command.Parameters[0].Value = endpoint;
        command.Parameters[1].Value = key;
        return command.ExecuteScalar() is not null;
    }

    /// <inheritdoc />
    public ValueTask<IConsumeTransaction?> BeginConsumeAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IConsumeTransaction?>(new SqliteConsumeTransaction(this, _time));

    /// <inheritdoc />
    public async ValueTask<int> CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var op = new CleanUpOp(before);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return (int)op.Result;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(long afterId, int limit, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(
            connection,
            $"SELECT {DeadLetterColumns} FROM contracts_dead_letters WHERE id > $after ORDER BY id LIMIT $limit",
            "$after", "$limit");
        command.Parameters[0].Value = afterId;
        command.Parameters[1].Value = limit;
        return ValueTask.FromResult<IReadOnlyList<DeadLetter>>(ReadDeadLetters(command));
    }

    /// <inheritdoc />
    public ValueTask<DeadLetter?> FindDeadLetterAsync(long id, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(connection, $"SELECT {DeadLetterColumns} FROM contracts_dead_letters WHERE id = $id", "$id");
        command.Parameters[0].Value = id;
        List<DeadLetter> found = ReadDeadLetters(command);
        return ValueTask.FromResult(found.Count == 0 ? null : found[0]);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReplayDeadLetterAsync(long id, MessageRecord requeued, CancellationToken cancellationToken)
    {
        var op = new ReplayOp(id, requeued);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return op.Result != 0;
    }

    /// <inheritdoc />
    public async ValueTask<int> PurgeDeadLettersAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken)
    {
        var op = new PurgeOp(failedBefore);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return (int)op.Result;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MessageRecord>> ReadOutboxAsync(int limit, CancellationToken cancellationToken)
    {
        using SqliteConnection connection = OpenConnection();
        using SqliteCommand command = SqliteSql.Command(
            connection,
            $"SELECT seq, {SqliteSql.MessageColumns} FROM contracts_outbox WHERE relayed_at IS NULL ORDER BY seq LIMIT $limit",
            "$limit");
        command.Parameters[0].Value = limit;
        return ValueTask.FromResult<IReadOnlyList<MessageRecord>>(SqliteSql.ReadRecords(command));
    }

    /// <inheritdoc />
    public ValueTask MarkRelayedAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) =>
        WriteAsync(new MarkRelayedOp(records), cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writes.Writer.TryComplete();
        if (_writeLoop is not null)
        {
            await _writeLoop.ConfigureAwait(false);
        }

        _writer?.Dispose();
        _initialize.Dispose();
    }

    private const string DeadLetterColumns =
        $"id, {SqliteSql.MessageColumns}, reason, exception_type, exception_message, stack_trace, attempts, failed_first_at, failed_last_at";

    private static List<DeadLetter> ReadDeadLetters(SqliteCommand command)
    {
        var letters = new List<DeadLetter>();
        using SqliteDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            letters.Add(new DeadLetter
            {
                Id = reader.GetInt64(0),
                Message = SqliteSql.Read(reader, 1, 0),
                Reason = (DeadLetterReason)reader.GetInt32(17),
                ExceptionType = reader.GetString(18),
                ExceptionMessage = reader.GetString(19),
                StackTrace = reader.GetString(20),
                Attempts = reader.GetInt32(21),
                FirstFailedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(22)),
                LastFailedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(23)),
            });
        }

        return letters;
    }

    private async ValueTask WriteAsync(WriteOp op, CancellationToken cancellationToken)
    {
        if (_writer is null)
        {
            throw new InvalidOperationException($"The SQLite store '{DataSource}' is not open: the bus opens it when it starts.");
        }

        if (!_writes.Writer.TryWrite(op))
        {
            throw new ObjectDisposedException(nameof(SqliteMessageStore), $"The SQLite store '{DataSource}' is closed.");
        }

        // The write may still commit after a cancelled wait; callers treat that as "maybe written", as after a crash.
        await op.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Group commit: take everything waiting (up to the batch size), run it in one transaction, commit once.</summary>
    private async Task WriteLoopAsync()
    {
        ChannelReader<WriteOp> reader = _writes.Reader;
        var batch = new List<WriteOp>(_options.MaxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out WriteOp? op))
            {
                batch.Add(op);
            }

            _writer!.Commit(batch);
            batch.Clear();
        }
    }

    /// <summary>The writer loop's connection and prepared statements.</summary>
    private sealed class Writer : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand[] _all;

        public Writer(SqliteConnection connection, TimeProvider time)
        {
            _connection = connection;
            Time = time;
            InsertQueue = SqliteSql.InsertMessage(connection, "contracts_queue");
            DeleteQueue = SqliteSql.Command(connection, "DELETE FROM contracts_queue WHERE seq = $seq", "$seq");
            InsertInbox = SqliteSql.Command(connection, "INSERT OR IGNORE INTO contracts_inbox (endpoint, key, processed_at) VALUES ($endpoint, $key, $at)", "$endpoint", "$key", "$at");
            Reschedule = SqliteSql.Command(
                connection,
                "UPDATE contracts_queue SET attempt = $attempt, due_at = $due, first_failed_at = $first, last_error = $error WHERE seq = $seq",
                "$attempt", "$due", "$first", "$error", "$seq");
            InsertDead = SqliteSql.InsertMessage(
                connection,
                "contracts_dead_letters",
                ", reason, exception_type, exception_message, stack_trace, attempts, failed_first_at, failed_last_at",
                ", $reason, $type, $text, $stack, $attempts, $failed_first, $failed_last",
                "$reason", "$type", "$text", "$stack", "$attempts", "$failed_first", "$failed_last");
            DeleteDead = SqliteSql.Command(connection, "DELETE FROM contracts_dead_letters WHERE id = $id", "$id");
            MarkRelayed = SqliteSql.Command(connection, "UPDATE contracts_outbox SET relayed_at = $at WHERE seq = $seq", "$at", "$seq");
            LastId = SqliteSql.Command(connection, "SELECT last_insert_rowid()");
            Scratch = connection.CreateCommand();
            _all = [InsertQueue, DeleteQueue, InsertInbox, Reschedule, InsertDead, DeleteDead, MarkRelayed, LastId, Scratch];
        }

        public TimeProvider Time { get; }

        public SqliteCommand InsertQueue { get; }

        public SqliteCommand DeleteQueue { get; }

        public SqliteCommand InsertInbox { get; }

        public SqliteCommand Reschedule { get; }

        public SqliteCommand InsertDead { get; }

        public SqliteCommand DeleteDead { get; }

        public SqliteCommand MarkRelayed { get; }

        public SqliteCommand LastId { get; }

        /// <summary>For rare statements (purge, clean-up) that are not worth preparing.</summary>
        public SqliteCommand Scratch { get; }

        public void Commit(List<WriteOp> batch)
        {
            if (TryRun(batch))
            {
                return;
            }

            // One write failed and took the batch with it: run each alone, so only the bad one fails.
            foreach (WriteOp op in batch)
            {
                TryRun([op]);
            }
        }

        private bool TryRun(List<WriteOp> ops)
        {
            SqliteTransaction? transaction = null;
            try
            {
                transaction = _connection.BeginTransaction(deferred: false);
                foreach (SqliteCommand command in _all)
                {
                    command.Transaction = transaction;
                }

                foreach (WriteOp op in ops)
                {
                    op.Execute(this);
                }

                transaction.Commit();
                foreach (WriteOp op in ops)
                {
                    op.Done.TrySetResult();
                }

                return true;
            }
            catch (Exception ex)
            {
                try
                {
                    transaction?.Rollback();
                }
                catch (SqliteException)
                {
                    // Already rolled back by SQLite.
                }

                if (ops.Count == 1)
                {
                    ops[0].Done.TrySetException(ex);
                }

                return false;
            }
            finally
            {
                transaction?.Dispose();
            }
        }

        public long InsertedId() => (long)LastId.ExecuteScalar()!;

        public void Dispose()
        {
            foreach (SqliteCommand command in _all)
            {
                command.Dispose();
            }

            _connection.Dispose();
        }
    }

    private abstract class WriteOp
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Result { get; protected set; }

        public abstract void Execute(Writer writer);

        protected static void Delete(Writer writer, MessageRecord? record)
        {
            if (record is { Sequence: > 0 })
            {
                writer.DeleteQueue.Parameters[0].Value = record.Sequence;
                writer.DeleteQueue.ExecuteNonQuery();
            }
        }

        protected static void Insert(Writer writer, MessageRecord record)
        {
            SqliteSql.Bind(writer.InsertQueue, record);
            writer.InsertQueue.ExecuteNonQuery();
            record.Sequence = writer.InsertedId();
        }
    }

    private sealed class EnqueueOp(IReadOnlyList<MessageRecord> records) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            for (int i = 0; i < records.Count; i++)
            {
                Insert(writer, records[i]);
            }
        }
    }

    private sealed class CompleteOp(string endpoint, MessageRecord? record, string? key) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            if (key is not null)
            {
                SqliteParameterCollection p = writer.InsertInbox.Parameters;
                p[0].Value = endpoint;
                p[1].Value = key;
                p[2].Value = writer.Time.GetUtcNow().ToUnixTimeMilliseconds();
                writer.InsertInbox.ExecuteNonQuery();
            }

            Delete(writer, record);
        }
    }

    private sealed class RescheduleOp(MessageRecord record) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteParameterCollection p = writer.Reschedule.Parameters;
            p[0].Value = record.Attempt;
            p[1].Value = record.DueAt is { } due ? due.ToUnixTimeMilliseconds() : DBNull.Value;
            p[2].Value = record.FirstFailedAt is { } first ? first.ToUnixTimeMilliseconds() : DBNull.Value;
            p[3].Value = (object?)record.LastError ?? DBNull.Value;
            p[4].Value = record.Sequence;
            writer.Reschedule.ExecuteNonQuery();
        }
    }

    private sealed class DeadLetterOp(DeadLetter letter) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand insert = writer.InsertDead;
            SqliteSql.Bind(insert, letter.Message);
            SqliteParameterCollection p = insert.Parameters;
            p[16].Value = (int)letter.Reason;
            p[17].Value = letter.ExceptionType;
            p[18].Value = letter.ExceptionMessage;
            p[19].Value = letter.StackTrace;
            p[20].Value = letter.Attempts;
            p[21].Value = letter.FirstFailedAt.ToUnixTimeMilliseconds();
            p[22].Value = letter.LastFailedAt.ToUnixTimeMilliseconds();
            insert.ExecuteNonQuery();
            letter.Id = writer.InsertedId();
            if (letter.Message.Endpoint.Length > 0)
            {
                Delete(writer, letter.Message);
            }
        }
    }

    private sealed class ReplayOp(long id, MessageRecord requeued) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            writer.DeleteDead.Parameters[0].Value = id;
            Result = writer.DeleteDead.ExecuteNonQuery();
            if (Result != 0)
            {
                Insert(writer, requeued);
            }
        }
    }

    private sealed class PurgeOp(DateTimeOffset? before) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            if (before is { } cutOff)
            {
                command.CommandText = "DELETE FROM contracts_dead_letters WHERE failed_last_at < $before";
                command.Parameters.AddWithValue("$before", cutOff.ToUnixTimeMilliseconds());
            }
            else
            {
                command.CommandText = "DELETE FROM contracts_dead_letters";
            }

            Result = command.ExecuteNonQuery();
        }
    }

    private sealed class CleanUpOp(DateTimeOffset before) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteCommand command = writer.Scratch;
            command.Parameters.Clear();
            command.CommandText = "DELETE FROM contracts_inbox WHERE processed_at < $before";
            command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            Result = command.ExecuteNonQuery();
            command.CommandText = "DELETE FROM contracts_outbox WHERE relayed_at IS NOT NULL AND relayed_at < $before";
            Result += command.ExecuteNonQuery();
        }
    }

    private sealed class MarkRelayedOp(IReadOnlyList<MessageRecord> records) : WriteOp
    {
        public override void Execute(Writer writer)
        {
            SqliteParameterCollection p = writer.MarkRelayed.Parameters;
            p[0].Value = writer.Time.GetUtcNow().ToUnixTimeMilliseconds();
            for (int i = 0; i < records.Count; i++)
            {
                p[1].Value = records[i].Sequence;
                writer.MarkRelayed.ExecuteNonQuery();
            }
        }
    }
}
