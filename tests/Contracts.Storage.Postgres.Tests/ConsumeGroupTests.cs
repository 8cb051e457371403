using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>A grouped delivery: its effect is a row with its attempt and the id of the transaction it committed in.</summary>
[Command] public partial record GroupedWork([property: IdempotencyKey] int N);

/// <summary>A delivery that moves one unit between two shared rows, in the order its number says.</summary>
[Command] public partial record CrossedWork([property: IdempotencyKey] int N);

/// <summary>A delivery whose handler waits for the others of its round before it ends (a handler that waits on something else than its SQL).</summary>
[Command] public partial record WaitingWork([property: IdempotencyKey] int N);

/// <summary>A delivery that locks one of two rows, waits until the other delivery holds the other row, then locks it: a deadlock.</summary>
[Command] public partial record DeadlockWork([property: IdempotencyKey] int N);

/// <summary>A delivery whose first run has its connection cut by the server (as a restart would) before its insert.</summary>
[Command] public partial record CutWork([property: IdempotencyKey] int N);

/// <summary>The test's schema, and how the handlers misbehave.</summary>
public sealed class GroupPlan(string schema)
{
    public string Schema => schema;

    /// <summary>First attempts that throw after their insert.</summary>
    public int Throws { get; init; } = -1;

    /// <summary>First attempts whose SQL fails and whose handler lets the error out.</summary>
    public int SqlFails { get; init; } = -1;

    /// <summary>First attempts whose SQL fails and whose handler catches the error and returns (the transaction is aborted all the same).</summary>
    public int SqlFailsCaught { get; init; } = -1;

    /// <summary>Accounts a <see cref="CrossedWork"/> moves a unit between (none: it only records its effect).</summary>
    public int Accounts { get; init; }

    public int CaughtErrors;

    public int Retried;

    /// <summary>How many times a <see cref="DeadlockWork"/> handler ran.</summary>
    public int Runs;

    /// <summary>The <see cref="WaitingWork"/> handlers that have not yet arrived; each waits until all have.</summary>
    public int Waiting;

    public TaskCompletionSource AllArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Matches(int n, int which) => which > 0 && n % 10 == which;

    /// <summary>Records a delivery's effect in <c>crossed</c> (no unique index: a second application shows), in its transaction.</summary>
    public async Task RecordCrossedAsync(NpgsqlTransaction transaction, int n, int attempt, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand($"INSERT INTO {Schema}.crossed (n, attempt) VALUES ($1, $2)", transaction.Connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = n });
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}

public sealed class GroupedWorkHandler(GroupPlan plan) : ICommandHandler<GroupedWork>
{
    public async ValueTask HandleAsync(GroupedWork command, MessageContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using (var insert = new NpgsqlCommand($"INSERT INTO {plan.Schema}.effects (n, attempt, tx) VALUES ($1, $2, txid_current())", transaction.Connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = command.N });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = context.Attempt });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (context.Attempt > 1)
        {
            Interlocked.Increment(ref plan.Retried);
            return;
        }

        if (plan.Matches(command.N, plan.Throws))
        {
            throw new InvalidOperationException($"work {command.N} fails after its insert");
        }

        if (plan.Matches(command.N, plan.SqlFails) || plan.Matches(command.N, plan.SqlFailsCaught))
        {
            await using var fail = new NpgsqlCommand("SELECT 1 / 0", transaction.Connection, transaction);
            try
            {
                await fail.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DivisionByZero && plan.Matches(command.N, plan.SqlFailsCaught))
            {
                Interlocked.Increment(ref plan.CaughtErrors);
            }
        }
    }
}

public sealed class CrossedWorkHandler(GroupPlan plan) : ICommandHandler<CrossedWork>
{
    public async ValueTask HandleAsync(CrossedWork command, MessageContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        int accounts = Math.Max(plan.Accounts, 1), a = command.N % accounts, b = (command.N + 1 + (command.N / 2 % 3)) % accounts;
        (int first, int second) = command.N % 2 == 0 ? (a, b) : (b, a);
        foreach (int account in plan.Accounts == 0 ? (int[])[] : [first, second])
        {
            await using var update = new NpgsqlCommand($"UPDATE {plan.Schema}.accounts SET moves = moves + 1 WHERE id = $1", transaction.Connection, transaction);
            update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = account });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await plan.RecordCrossedAsync(transaction, command.N, context.Attempt, cancellationToken);
        if (context.Attempt > 1)
        {
            Interlocked.Increment(ref plan.Retried);
        }
    }
}

public sealed class DeadlockWorkHandler(GroupPlan plan) : ICommandHandler<DeadlockWork>
{
    public async ValueTask HandleAsync(DeadlockWork command, MessageContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref plan.Runs);
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        foreach (int account in command.N == 0 ? (int[])[0, 1] : [1, 0])
        {
            await using var update = new NpgsqlCommand($"UPDATE {plan.Schema}.accounts SET moves = moves + 1 WHERE id = $1", transaction.Connection, transaction);
            update.Parameters.Add(new NpgsqlParameter<int> { TypedValue = account });
            await update.ExecuteNonQueryAsync(cancellationToken);
            if (Interlocked.Decrement(ref plan.Waiting) == 0)
            {
                plan.AllArrived.TrySetResult();
            }

            await plan.AllArrived.Task.WaitAsync(cancellationToken); // both hold their first row before either takes its second
        }

        await plan.RecordCrossedAsync(transaction, command.N, context.Attempt, cancellationToken);
    }
}

public sealed class CutWorkHandler(GroupPlan plan) : ICommandHandler<CutWork>
{
    public async ValueTask HandleAsync(CutWork command, MessageContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        if (Interlocked.Increment(ref plan.Runs) == 1)
        {
            await using NpgsqlConnection other = await PostgresServer.OpenAsync();
            await using var cut = new NpgsqlCommand($"SELECT pg_terminate_backend({transaction.Connection!.ProcessID})", other);
            await cut.ExecuteNonQueryAsync(cancellationToken);
        }

        await plan.RecordCrossedAsync(transaction, command.N, context.Attempt, cancellationToken);
    }
}

public sealed class WaitingWorkHandler(GroupPlan plan) : ICommandHandler<WaitingWork>
{
    public async ValueTask HandleAsync(WaitingWork command, MessageContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using (var insert = new NpgsqlCommand($"INSERT INTO {plan.Schema}.effects (n, attempt, tx) VALUES ($1, $2, txid_current())", transaction.Connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = command.N });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = context.Attempt });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (Interlocked.Decrement(ref plan.Waiting) == 0)
        {
            plan.AllArrived.TrySetResult();
        }

        await plan.AllArrived.Task.WaitAsync(cancellationToken);
    }
}

/// <summary>
/// Deliveries' consume transactions grouped in one PostgreSQL transaction, each in a savepoint: one commit for many,
/// a failure undoes only its own delivery, handlers that wait still run side by side, and deadlocks between groups
/// end with every effect applied once.
/// </summary>
public sealed class ConsumeGroupTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema("grp");

    public async ValueTask InitializeAsync() => await PostgresServer.ExecuteAsync(
        $"CREATE SCHEMA {_schema}; CREATE TABLE {_schema}.effects (n integer PRIMARY KEY, attempt integer NOT NULL, tx bigint NOT NULL); " +
        $"CREATE TABLE {_schema}.crossed (n integer NOT NULL, attempt integer NOT NULL); " +
        $"CREATE TABLE {_schema}.accounts (id integer PRIMARY KEY, moves bigint NOT NULL); INSERT INTO {_schema}.accounts SELECT g, 0 FROM generate_series(0, 9) g");

    public async ValueTask DisposeAsync() => await PostgresServer.DropSchemaAsync(_schema);

    [Fact]
    public async Task A_raw_commit_in_a_batch_ends_the_Npgsql_transaction()
    {
        // The group's commit rides in one batch behind the last savepoint's release; the lanes rely on Npgsql seeing it.
        await using NpgsqlConnection connection = await PostgresServer.OpenAsync();
        NpgsqlTransaction transaction = await connection.BeginTransactionAsync();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {_schema}.effects VALUES (1, 1, txid_current())"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await batch.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => transaction.CommitAsync());
        await transaction.DisposeAsync();
        await using NpgsqlTransaction next = await connection.BeginTransactionAsync();
        Assert.Equal(1, await PostgresServer.ScalarAsync($"SELECT count(*) FROM {_schema}.effects"));
    }

    [Fact]
    public async Task Grouped_deliveries_share_commits_and_a_failed_one_rolls_back_alone()
    {
        const int Messages = 400;
        var plan = new GroupPlan(_schema) { Throws = 3, SqlFails = 5, SqlFailsCaught = 7 };
        await using PostgresBus host = await StartAsync(plan, 16);
        var sends = new List<Task>(Messages);
        for (int n = 0; n < Messages; n++)
        {
            sends.Add(host.Bus.SendAsync(new GroupedWork(n)).AsTask());
        }

        await Task.WhenAll(sends);
        await Wait.UntilAsync(async () => await CountAsync("inbox") == Messages, "every delivery is recorded");

        // Every effect once (the primary key would refuse a second), the failed first attempts rolled back: only
        // their second attempt's row is there, and the rows of the others, grouped with them, are all there.
        Assert.Equal(Messages, await CountAsync("effects"));
        Assert.Equal(0, await CountAsync("dead_letters"));
        Assert.Equal(3 * Messages / 10, await CountAsync("effects", "attempt = 2"));
        Assert.Equal(0, await CountAsync("effects", "attempt = 2 AND n % 10 NOT IN (3, 5, 7)"));
        Assert.Equal(Messages / 10, plan.CaughtErrors);
        Assert.Equal(3 * Messages / 10, plan.Retried);

        // Grouped: far fewer transactions than deliveries.
        long transactions = await PostgresServer.ScalarAsync($"SELECT count(DISTINCT tx) FROM {_schema}.effects");
        Assert.True(transactions < Messages / 2, $"{Messages} deliveries committed in {transactions} transactions");
    }

    [Fact]
    public async Task Deliveries_locking_two_rows_in_opposite_orders_apply_every_effect_once()
    {
        const int Messages = 120;
        var plan = new GroupPlan(_schema) { Accounts = 10 };
        await using PostgresBus host = await StartAsync(plan, 8);
        var sends = new List<Task>(Messages);
        for (int n = 0; n < Messages; n++)
        {
            sends.Add(host.Bus.SendAsync(new CrossedWork(n)).AsTask());
        }

        await Task.WhenAll(sends);
        await Wait.UntilAsync(async () => await CountAsync("inbox") == Messages, "every delivery is recorded", TimeSpan.FromSeconds(90));

        // A deadlock between two groups fails one delivery's statement; its retry runs alone, and nothing is lost or doubled.
        Assert.Equal(0, await CountAsync("dead_letters"));
        Assert.Equal(Messages, await CountAsync("crossed"));
        Assert.Equal(Messages, await PostgresServer.ScalarAsync($"SELECT count(DISTINCT n) FROM {_schema}.crossed"));
        Assert.Equal(2 * Messages, await PostgresServer.ScalarAsync($"SELECT sum(moves) FROM {_schema}.accounts"));
    }

    [Fact]
    public async Task Handlers_that_wait_on_each_other_run_side_by_side_beyond_the_base_lanes()
    {
        const int Messages = 12;
        var plan = new GroupPlan(_schema) { Waiting = Messages };
        await using PostgresBus host = await StartAsync(plan, Messages);
        for (int n = 0; n < Messages; n++)
        {
            await host.Bus.SendAsync(new WaitingWork(n));
        }

        // Each handler holds its turn until all have arrived, so all must hold one at once: the watchdog opens lanes.
        await plan.AllArrived.Task.WaitAsync(PostgresBus.Timeout);
        await Wait.UntilAsync(async () => await CountAsync("inbox") == Messages, "every delivery is recorded");
        Assert.Equal(Messages, await CountAsync("effects"));
        Assert.Equal(Messages, await PostgresServer.ScalarAsync($"SELECT count(DISTINCT tx) FROM {_schema}.effects"));

        // Once nothing waits, the extra lanes close again.
        await Wait.UntilAsync(() => Task.FromResult(host.Store.ConsumeGroups.Lanes <= PostgresConsumeGroups.BaseLanes), "the extra lanes close");
    }

    [Fact]
    public async Task Two_processes_delivering_the_same_keys_in_opposite_orders_apply_each_once()
    {
        const int Messages = 200;
        var plan = new GroupPlan(_schema);
        await using PostgresBus one = await StartAsync(plan, 16);
        await using PostgresBus two = await StartAsync(plan, 16);
        var sends = new List<Task>(2 * Messages);
        for (int n = 0; n < Messages; n++)
        {
            sends.Add(one.Bus.SendAsync(new CrossedWork(n)).AsTask());
            sends.Add(two.Bus.SendAsync(new CrossedWork(Messages - 1 - n)).AsTask());
        }

        await Task.WhenAll(sends);
        await Wait.UntilAsync(async () => await CountAsync("inbox") == Messages, "every key is recorded", TimeSpan.FromSeconds(90));
        await one.StopAsync();
        await two.StopAsync();

        // Each key's effect once (the table has no unique index: a second would show), though both buses delivered it.
        Assert.Equal(0, await CountAsync("dead_letters"));
        Assert.Equal(Messages, await CountAsync("crossed"));
        Assert.Equal(Messages, await PostgresServer.ScalarAsync($"SELECT count(DISTINCT n) FROM {_schema}.crossed"));
    }

    [Fact]
    public async Task A_second_delivery_of_a_key_in_the_open_group_of_the_first_is_a_duplicate_only_once_that_group_committed()
    {
        // The same message claimed twice by one process (its claim ran out while it still handled it): if the second
        // delivery took a turn in the first one's open group and was told the key is there, it would be settled (its
        // row deleted) before the group committed, and lost if the group then failed.
        await using var store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema });
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        IConsumeTransaction busy = await store.BeginConsumeAsync(CancellationToken.None); // holds the other base lane
        Assert.False(await busy.IsInInboxAsync("work", "other", CancellationToken.None));
        IConsumeTransaction first = await store.BeginConsumeAsync(CancellationToken.None);
        Assert.False(await first.IsInInboxAsync("work", "k", CancellationToken.None));

        // No lane is free: the second delivery waits for a turn, and gets the first one's, in its group.
        Task<IConsumeTransaction> waiting = store.BeginConsumeAsync(CancellationToken.None).AsTask();
        IConsumeTransaction? second = null;
        try
        {
            Assert.False(waiting.IsCompleted);
            Task committed = first.CommitAsync("work", "k", CancellationToken.None).AsTask();
            second = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

            bool seen = await second.IsInInboxAsync("work", "k", CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(committed.IsCompletedSuccessfully, "the second delivery was told the key is there before the first one's group committed");
            Assert.True(seen);
            Assert.Equal(1, await CountAsync("inbox", "key = 'k'"));
        }
        finally
        {
            if ((second ?? (waiting.IsCompletedSuccessfully ? await waiting : null)) is { } taken)
            {
                await taken.DisposeAsync();
            }
            await busy.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_delivery_that_the_database_picks_as_a_deadlock_victim_runs_the_same_attempt_again_and_spends_no_retry()
    {
        var plan = new GroupPlan(_schema) { Waiting = 2 };
        await using PostgresBus host = await PostgresBus.StartAsync(_schema, s => s.AddSingleton(plan), t => t.Endpoint<DeadlockWork>(e =>
        {
            Configure(e, 4);
            e.Retry.ImmediateRetries = 0;
            e.Retry.DelayedRetries = 0; // any counted failure would dead-letter the message
        }));
        await host.Bus.SendAsync(new DeadlockWork(0));
        await host.Bus.SendAsync(new DeadlockWork(1));
        await Wait.UntilAsync(async () => await CountAsync("inbox") == 2, "both deliveries are recorded", TimeSpan.FromSeconds(30));

        // PostgreSQL broke the deadlock by rolling one back; it ran again as attempt 1 and committed.
        Assert.Equal(0, await CountAsync("dead_letters"));
        Assert.Equal(3, plan.Runs);
        Assert.Equal(2, await CountAsync("crossed", "attempt = 1"));
        Assert.Equal(4, await PostgresServer.ScalarAsync($"SELECT sum(moves) FROM {_schema}.accounts"));
    }

    [Fact]
    public async Task A_delivery_whose_connection_the_server_cut_runs_again_and_is_neither_dead_lettered_nor_counted_as_a_retry()
    {
        var plan = new GroupPlan(_schema);
        await using PostgresBus host = await PostgresBus.StartAsync(_schema, s => s.AddSingleton(plan), t => t.Endpoint<CutWork>(e =>
        {
            Configure(e, 4);
            e.Retry.ImmediateRetries = 0;
            e.Retry.DelayedRetries = 0; // a failure counted against the handler would dead-letter the message
        }));
        await host.Bus.SendAsync(new CutWork(1));
        await Wait.UntilAsync(async () => await CountAsync("inbox") == 1, "the delivery is recorded", TimeSpan.FromSeconds(30));

        Assert.Equal(0, await CountAsync("dead_letters"));
        Assert.Equal(2, plan.Runs);
        Assert.Equal(1, await CountAsync("crossed", "attempt = 1"));
    }

    private Task<PostgresBus> StartAsync(GroupPlan plan, int concurrency) => PostgresBus.StartAsync(
        _schema,
        s => s.AddSingleton(plan),
        t =>
        {
            t.Endpoint<GroupedWork>(e => Configure(e, concurrency));
            t.Endpoint<CrossedWork>(e => Configure(e, concurrency));
            t.Endpoint<WaitingWork>(e => Configure(e, concurrency));
        });

    private static void Configure(EndpointOptions endpoint, int concurrency)
    {
        endpoint.Delivery = DeliveryMode.EffectivelyOnce;
        endpoint.MaxConcurrency = concurrency;
        endpoint.Capacity = 4096;
        endpoint.Retry.ImmediateRetries = 5;
    }

    private Task<long> CountAsync(string table, string where = "true") => PostgresServer.ScalarAsync($"SELECT count(*) FROM {_schema}.{table} WHERE {where}");
}
