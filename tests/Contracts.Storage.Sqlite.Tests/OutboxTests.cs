using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contracts.Storage.Sqlite.Tests;

public sealed class OutboxTests
{
    private static readonly Action<InMemoryTransportOptions> s_effectivelyOnce = t => t.Endpoint<Ship>(e => e.Delivery = DeliveryMode.EffectivelyOnce);

    [Fact]
    public async Task A_rolled_back_transaction_sends_nothing()
    {
        using var database = new TempDatabase();
        var probe = new Probe();
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), s_effectivelyOnce);
        CreateBusinessTables(database);

        using (SqliteConnection connection = database.Open())
        using (SqliteTransaction transaction = connection.BeginTransaction())
        {
            PlaceOrder(transaction, Guid.CreateVersion7());
            await host.Bus.WithTransaction(transaction).SendAsync(new Ship(Guid.CreateVersion7()));
            transaction.Rollback();
        }

        await Task.Delay(500); // five relay polls
        Assert.Empty(probe.Handled);
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM orders"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_outbox"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM shipments"));
    }

    [Fact]
    public async Task A_committed_transaction_sends_exactly_once()
    {
        using var database = new TempDatabase();
        var probe = new Probe();
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), s_effectivelyOnce);
        CreateBusinessTables(database);
        var orderId = Guid.CreateVersion7();

        using (SqliteConnection connection = database.Open())
        using (SqliteTransaction transaction = connection.BeginTransaction())
        {
            PlaceOrder(transaction, orderId);
            await host.Bus.WithTransaction(transaction).SendAsync(new Ship(orderId));
            Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_outbox")); // invisible until the commit
            transaction.Commit();
        }

        await Wait.For(probe.Done);
        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_outbox WHERE relayed_at IS NOT NULL") == 1, "the record is marked relayed");
        await Task.Delay(300);

        Assert.Single(probe.Handled);
        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM orders"));
        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM shipments"));
    }

    [Fact]
    public async Task A_relay_that_stops_after_sending_and_before_marking_sends_again_and_the_inbox_drops_the_copy()
    {
        using var database = new TempDatabase();
        var probe = new Probe();
        var crash = new RelayCrash();
        var orderId = Guid.CreateVersion7();

        await using (SqliteBus host = await SqliteBus.StartAsync(
            database,
            s => s.AddSingleton(probe),
            s_effectivelyOnce,
            options: o => o.UseStore(_ => new CrashBeforeMark(new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString, Synchronous = SqliteSynchronous.Normal }), crash))))
        {
            CreateBusinessTables(database);
            using (SqliteConnection connection = database.Open())
            using (SqliteTransaction transaction = connection.BeginTransaction())
            {
                PlaceOrder(transaction, orderId);
                await host.Bus.WithTransaction(transaction).SendAsync(new Ship(orderId));
                transaction.Commit();
            }

            await Wait.For(probe.Done);
            await Wait.For(crash.Reached.Task); // sent, and now stuck before marking: the "crash"
        }

        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM contracts_outbox WHERE relayed_at IS NULL"));

        var logs = new LogCollector();
        await using (SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe).AddLogging(l => l.AddProvider(logs)), s_effectivelyOnce))
        {
            await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_outbox WHERE relayed_at IS NOT NULL") == 1, "the record is relayed again and marked");
            await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "the copy is consumed");
            await Wait.Until(() => logs.Entries.Count(e => e.EventId == 16) == 1, "the inbox reports the duplicate");
        }

        Assert.Single(probe.Handled);
        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM shipments"));
        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM contracts_inbox"));
    }

    [Fact]
    public async Task An_outbox_on_another_database_fails_with_a_clear_message()
    {
        using var database = new TempDatabase();
        using var other = new TempDatabase();
        await using SqliteBus host = await SqliteBus.StartAsync(database);
        using SqliteConnection connection = other.Open();
        using SqliteTransaction transaction = connection.BeginTransaction();

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await host.Bus.WithTransaction(transaction).SendAsync(new Ship(Guid.CreateVersion7())));
        Assert.Contains("no outbox table", error.Message, StringComparison.Ordinal);
    }

    private static void CreateBusinessTables(TempDatabase database) => database.Execute(
        "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY); CREATE TABLE IF NOT EXISTS shipments (order_id TEXT NOT NULL);");

    private static void PlaceOrder(SqliteTransaction transaction, Guid id)
    {
        using SqliteCommand insert = transaction.Connection!.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO orders (id) VALUES ($id)";
        insert.Parameters.AddWithValue("$id", id.ToString());
        insert.ExecuteNonQuery();
    }

    public sealed class RelayCrash
    {
        public readonly TaskCompletionSource Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A store whose relay never gets to mark what it sent: it hangs there until the bus stops, as a crashed relay would.</summary>
    private sealed class CrashBeforeMark(SqliteMessageStore inner, RelayCrash crash) : IMessageStore, IOutboxStore
    {
        public StoreCapabilities Capabilities => inner.Capabilities;

        public IQueueStore Queue => inner.Queue;

        public IInboxStore Inbox => inner.Inbox;

        public IOutboxStore Outbox => this;

        public IDeadLetterStore DeadLetters => inner.DeadLetters;

        public IEventLogStore Events => inner.Events;

        public ISnapshotStore Snapshots => inner.Snapshots;

        public ISagaStore Sagas => inner.Sagas;

        public IScheduleStore Schedules => inner.Schedules;

        public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public ValueTask<IConsumeTransaction> BeginConsumeAsync(CancellationToken cancellationToken) => inner.BeginConsumeAsync(cancellationToken);

        public ValueTask<IReadOnlyList<MessageRecord>> ClaimAsync(StoreClaim claim, int limit, CancellationToken cancellationToken) =>
            inner.Outbox.ClaimAsync(claim, limit, cancellationToken);

        public async ValueTask MarkRelayedAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken)
        {
            crash.Reached.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public ValueTask ReleaseAsync(IReadOnlyList<MessageRecord> records, CancellationToken cancellationToken) => inner.Outbox.ReleaseAsync(records, cancellationToken);

        public ValueTask<int> CleanUpAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.Outbox.CleanUpAsync(before, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>Keeps every log entry.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new Entry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
