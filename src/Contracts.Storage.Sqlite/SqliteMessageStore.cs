using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// The SQLite <see cref="IMessageStore"/>: queue, dead letters, inbox, outbox and saga tables in one file in WAL mode.
/// Every write (send, completion, reschedule, dead letter) goes through one writer loop that commits whatever is
/// waiting in one transaction (group commit), so concurrent senders share a disk flush. Reads use their own
/// pooled connections, which WAL lets run beside the writer.
/// </summary>
public sealed partial class SqliteMessageStore : IMessageStore, IQueueStore, IInboxStore, IOutboxStore, IDeadLetterStore
{
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly string _connectionString;
    private readonly Channel<WriteOp> _writes = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _initialize = new(1, 1);
    private Writer? _writer;
    private SqliteSagaStore? _sagas;
    private SqliteScheduleStore? _schedules;
    private SqliteSnapshotStore? _snapshots;
    private Task? _writeLoop;
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
    public StoreCapabilities Capabilities => StoreCapabilities.Durable | StoreCapabilities.ConsumeTransactions;

    /// <inheritdoc />
    public IQueueStore Queue => this;

    /// <inheritdoc />
    public IInboxStore Inbox => this;

    /// <inheritdoc />
    public IOutboxStore Outbox => this;

    /// <inheritdoc />
    public IDeadLetterStore DeadLetters => this;

    /// <inheritdoc />
    public ISagaStore Sagas => _sagas ??= new SqliteSagaStore(this);

    /// <inheritdoc />
    public IScheduleStore Schedules => _schedules ??= new SqliteScheduleStore(this);

    /// <inheritdoc />
    public ISnapshotStore Snapshots => _snapshots ??= new SqliteSnapshotStore(this);

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
    public async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        await _initialize.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_writer is not null)
            {
                return;
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
                SqliteSql.AddLaterColumns(connection);
            }

            _writer = new Writer(connection, _time);
            _writeLoop = Task.Run(WriteLoopAsync, CancellationToken.None);
        }
        finally
        {
            _initialize.Release();
        }
    }

    ValueTask IQueueStore.EnqueueAsync(IReadOnlyList<MessageRecord> records, StoreClaim claim, CancellationToken cancellationToken) =>
        WriteAsync(new EnqueueOp(records, claim), cancellationToken);

    async ValueTask<IReadOnlyList<MessageRecord>> IQueueStore.ClaimAsync(IReadOnlyCollection<string> endpoints, StoreClaim claim, int limit, CancellationToken cancellationToken)
    {
        var op = new ClaimOp("contracts_queue", "endpoint IN (SELECT value FROM json_each($endpoints))", JsonArray(endpoints), claim, limit);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return op.Claimed;
    }

    async ValueTask<int> IQueueStore.RenewAsync(StoreClaim claim, CancellationToken cancellationToken)
    {
        var op = new ClaimChangeOp(claim.Owner, claim.Until);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return (int)op.Result;
    }

    async ValueTask<int> IQueueStore.ReleaseAsync(string owner, CancellationToken cancellationToken)
    {
        var op = new ClaimChangeOp(owner, until: null);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return (int)op.Result;
    }

    ValueTask IQueueStore.ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) =>
        records.Count == 0 ? ValueTask.CompletedTask : WriteAsync(new ReleaseRowsOp("contracts_queue", Sequences(records)), cancellationToken);

    ValueTask IOutboxStore.ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) =>
        records.Count == 0 ? ValueTask.CompletedTask : WriteAsync(new ReleaseRowsOp("contracts_outbox", Sequences(records)), cancellationToken);

    private static string Sequences(IReadOnlyList<MessageRecord> records)
    {
        var json = new System.Text.StringBuilder("[");
        for (int i = 0; i < records.Count; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(records[i].Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return json.Append(']').ToString();
    }

    ValueTask IQueueStore.CompleteAsync(MessageRecord record, CancellationToken cancellationToken) =>
        WriteAsync(new CompleteOp(record), cancellationToken);

    ValueTask IQueueStore.RescheduleAsync(MessageRecord record, CancellationToken cancellationToken) =>
        WriteAsync(new RescheduleOp(record), cancellationToken);

    ValueTask<bool> IInboxStore.ContainsAsync(string endpoint, string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(InboxContains(endpoint, key));

    ValueTask IInboxStore.AddAsync(string endpoint, string key, CancellationToken cancellationToken) =>
        WriteAsync(new InboxOp(endpoint, key), cancellationToken);

    async ValueTask<int> IInboxStore.CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var op = new CleanUpOp("DELETE FROM contracts_inbox WHERE processed_at < $before", before);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return (int)op.Result;
    }

    /// <inheritdoc />
    public ValueTask<IConsumeTransaction> BeginConsumeAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IConsumeTransaction>(new SqliteConsumeTransaction(this));

    async ValueTask<IReadOnlyList<MessageRecord>> IOutboxStore.ClaimAsync(StoreClaim claim, int limit, CancellationToken cancellationToken)
    {
        var op = new ClaimOp("contracts_outbox", "relayed_at IS NULL", endpoints: null, claim, limit);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return op.Claimed;
    }

    ValueTask IOutboxStore.MarkRelayedAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) =>
        WriteAsync(new MarkRelayedOp(records), cancellationToken);

    async ValueTask<int> IOutboxStore.CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var op = new CleanUpOp("DELETE FROM contracts_outbox WHERE relayed_at IS NOT NULL AND relayed_at < $before", before);
        await WriteAsync(op, cancellationToken).ConfigureAwait(false);
        return (int)op.Result;
    }

    /// <summary>
    /// Checks that the database file is there and answers a read of the store's queue table on a fresh connection (a
    /// file deleted under a running store still reads through the connections that had it open).
    /// </summary>
    /// <param name="cancellationToken">Not used: the read is one page of an index.</param>
    /// <returns>Completes when the store answered.</returns>
    /// <exception cref="InvalidOperationException">The file is missing, or the read failed; the message names the file.</exception>
    public ValueTask PingAsync(CancellationToken cancellationToken)
    {
        bool inMemory = DataSource == ":memory:" || new SqliteConnectionStringBuilder(_connectionString).Mode == SqliteOpenMode.Memory;
        string file = inMemory ? DataSource : Path.GetFullPath(DataSource);
        if (!inMemory && !File.Exists(file))
        {
            return ValueTask.FromException(new InvalidOperationException(
                $"The SQLite database file '{file}' does not exist: it was deleted, or the store could not create it (is its folder writable?). " +
                "Check the path given to UseSqlite."));
        }

        try
        {
            using SqliteConnection connection = OpenConnection();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = "SELECT 1 FROM contracts_queue LIMIT 1";
            command.ExecuteScalar();
        }
        catch (SqliteException ex)
        {
            return ValueTask.FromException(new InvalidOperationException($"The SQLite database '{file}' did not answer: {ex.Message}", ex));
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The endpoint names as a JSON array, which SQLite's <c>json_each</c> turns into a set: one parameter for any number of names.</summary>
    private static string JsonArray(IReadOnlyCollection<string> values)
    {
        var json = new System.Text.StringBuilder("[");
        foreach (string value in values)
        {
            if (json.Length > 1)
            {
                json.Append(',');
            }

            json.Append('"').Append(System.Text.Json.JsonEncodedText.Encode(value).ToString()).Append('"');
        }

        return json.Append(']').ToString();
    }

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
        DisposeInboxReaders();
        _initialize.Dispose();
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
        try
        {
            await op.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!op.Done.Task.IsCompleted)
        {
            _ = GiveBackWhenWrittenAsync(op);
            throw;
        }
    }

    /// <summary>
    /// Rows a write claims for a caller that gave up before it committed are given back once it has: the caller holds
    /// nothing, and this bus's renewals would otherwise keep them claimed, and undelivered, for as long as it runs.
    /// </summary>
    private async Task GiveBackWhenWrittenAsync(WriteOp op)
    {
        await op.Done.Task.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (op.Done.Task.IsCompletedSuccessfully && op.ClaimedRows() is { } giveBack)
        {
            // A write that failed claimed nothing; a store that closed meanwhile released the rest with its bus's claims.
            _writes.Writer.TryWrite(giveBack);
        }
    }

    /// <summary>
    /// Group commit: take everything waiting (up to the batch size), run it in one transaction, commit once. Deliveries'
    /// consume transactions take their turns on the writer's connection inside that transaction.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        ChannelReader<WriteOp> reader = _writes.Reader;
        var batch = new List<WriteOp>(_options.MaxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            bool deliveries = false;
            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out WriteOp? op))
            {
                batch.Add(op);
                deliveries |= op is DeliveryOp;
            }

            if (deliveries)
            {
                await _writer!.CommitWithDeliveriesAsync(batch, reader, _options.MaxBatchSize).ConfigureAwait(false);

                // The batch went on on the thread of the delivery that gave the connection back last: let it go on too.
                await Task.Yield();
            }
            else
            {
                _writer!.Commit(batch);
            }

            batch.Clear();
        }
    }
}
