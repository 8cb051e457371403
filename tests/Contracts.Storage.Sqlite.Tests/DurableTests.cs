using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

public sealed class DurableTests
{
    [Fact]
    public async Task A_poison_message_goes_to_dead_letters_while_the_others_flow_and_a_replay_after_the_fix_succeeds()
    {
        using var database = new TempDatabase();
        var probe = new Probe { Poison = 7 };
        Action<InMemoryTransportOptions> transport = t => t.Endpoint<Charge>(e => e.Retry.ImmediateRetries = 2);
        long deadLetterId;
        await using (SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), transport))
        {
            for (int i = 1; i <= 20; i++)
            {
                await host.Bus.SendAsync(new Charge(i));
            }

            await Wait.For(probe.Done, 19);
            DeadLetter letter = Assert.Single(await Wait.ForDeadLetters(host.DeadLetters, 1));
            deadLetterId = letter.Id;

            Assert.Equal(DeadLetterReason.Failed, letter.Reason);
            Assert.Equal(3, letter.Attempts); // the first attempt and two immediate retries
            Assert.Equal(typeof(InvalidOperationException).FullName, letter.ExceptionType);
            Assert.Equal("card declined for charge 7", letter.ExceptionMessage);
            Assert.Contains(nameof(ChargeHandler), letter.StackTrace, StringComparison.Ordinal);
            Assert.True(letter.FirstFailedAt <= letter.LastFailedAt);
            Assert.Equal(Descriptor.EndpointOf<Charge>(), letter.Message.Endpoint);
            Assert.Equal(Descriptor.Of<Charge>().Name, letter.Message.ContractName);
            Assert.Equal(Descriptor.Of<Charge>().GetIdempotencyKey(new Charge(7)), letter.Message.IdempotencyKey);
            Assert.Equal([1, 2, 3], probe.Attempts.Where(a => a.N == 7).Select(a => a.Attempt));
            Assert.Equal(Enumerable.Range(1, 20).Where(n => n != 7), probe.Handled.Order());
        }

        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));

        // The dead letter outlives the process; after the fix, replaying it succeeds on its original endpoint.
        probe.Fixed = true;
        await using (SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), transport))
        {
            DeadLetter? letter = await host.DeadLetters.GetAsync(deadLetterId);
            Assert.NotNull(letter);
            Assert.True(await host.DeadLetters.ReplayAsync(deadLetterId));
            await Wait.For(probe.Done);

            Assert.Equal(7, probe.Handled.Last());
            Assert.Equal(1, probe.Attempts.Last().Attempt); // replayed as a fresh first attempt
            Assert.Empty(await host.DeadLetters.ListAsync());
            Assert.False(await host.DeadLetters.ReplayAsync(deadLetterId));
        }

        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
    }

    [Fact]
    public async Task Purge_removes_dead_letters_older_than_the_cut_off_or_all()
    {
        using var database = new TempDatabase();
        var probe = new Probe { Poison = 1 };
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe));
        await host.Bus.SendAsync(new Charge(1));
        await Wait.ForDeadLetters(host.DeadLetters, 1);

        Assert.Equal(0, await host.DeadLetters.PurgeAsync(DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.Single(await host.DeadLetters.ListAsync());
        Assert.Equal(1, await host.DeadLetters.PurgeAsync());
        Assert.Empty(await host.DeadLetters.ListAsync());
    }

    [Fact]
    public async Task Malformed_oversized_and_unknown_messages_go_to_dead_letters_at_once_and_the_consumer_keeps_going()
    {
        using var database = new TempDatabase();
        var probe = new Probe();
        await using (SqliteBus first = await SqliteBus.StartAsync(database))
        {
            // creates the schema
        }

        string endpoint = Descriptor.EndpointOf<Parcel>();
        string name = Descriptor.Of<Parcel>().Name;
        InsertRaw(database, endpoint, name, 1, Serialize(new Parcel(1)));
        InsertRaw(database, endpoint, name, 1, [0xc1, 0x00, 0x01]);                   // 0xc1 is never valid MessagePack
        InsertRaw(database, endpoint, name, 1, new byte[(1024 * 1024) + 1]);          // over MaxPayloadBytes
        InsertRaw(database, endpoint, "Somebody.Elses.Parcel", 1, Serialize(new Parcel(3)));
        InsertRaw(database, endpoint, name, 9, Serialize(new Parcel(4)));             // a version nobody compiled
        InsertRaw(database, endpoint, name, 1, Serialize(new Parcel(2)));

        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe));
        await Wait.For(probe.Done, 2);
        await host.Bus.SendAsync(new Parcel(5));
        await Wait.For(probe.Done);
        IReadOnlyList<DeadLetter> letters = await Wait.ForDeadLetters(host.DeadLetters, 4);

        Assert.Equal([1, 2, 5], probe.Handled.Order());
        Assert.Equal(4, letters.Count);
        Assert.Equal(2, letters.Count(l => l.Reason == DeadLetterReason.Unreadable));
        Assert.Equal(2, letters.Count(l => l.Reason == DeadLetterReason.UnknownContract));
        Assert.Contains(letters, l => l.Reason == DeadLetterReason.Unreadable && l.ExceptionMessage.Contains("over the limit", StringComparison.Ordinal));
        Assert.Contains(letters, l => l.Reason == DeadLetterReason.UnknownContract && l.Message.ContractName == "Somebody.Elses.Parcel");
        Assert.Contains(letters, l => l.Reason == DeadLetterReason.UnknownContract && l.Message.ContractVersion == 9);
        Assert.All(letters, l => Assert.Equal(0, l.Attempts));
        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "the queue is empty");
    }

    [Fact]
    public async Task Delayed_retries_back_off_exponentially_within_the_jitter()
    {
        using var database = new TempDatabase();
        var probe = new Probe { FailTimes = 3 };
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), t => t.Endpoint<Flaky>(e =>
        {
            e.Retry.DelayedRetries = 3;
            e.Retry.Delay = TimeSpan.FromMilliseconds(200);
            e.Retry.BackoffFactor = 2;
            e.Retry.Jitter = 0.1;
        }));

        await host.Bus.SendAsync(new Flaky(1));
        await Wait.For(probe.Done);

        (int N, int Attempt, long Timestamp)[] attempts = [.. probe.Attempts];
        Assert.Equal([1, 2, 3, 4], attempts.Select(a => a.Attempt));
        double[] expected = [200, 400, 800];
        for (int i = 0; i < expected.Length; i++)
        {
            double gap = Stopwatch.GetElapsedTime(attempts[i].Timestamp, attempts[i + 1].Timestamp).TotalMilliseconds;
            Assert.InRange(gap, (expected[i] * 0.9) - 20, (expected[i] * 1.1) + 250); // jitter, plus timer and scheduling slack
        }

        Assert.Empty(await host.DeadLetters.ListAsync());
    }

    [Fact]
    public async Task Immediate_retries_run_inside_each_delayed_round_and_a_never_retry_exception_dead_letters_at_once()
    {
        using var database = new TempDatabase();
        var probe = new Probe { FailTimes = int.MaxValue };
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), t => t.Endpoint<Flaky>(e =>
        {
            e.Retry.ImmediateRetries = 1;
            e.Retry.DelayedRetries = 1;
            e.Retry.Delay = TimeSpan.FromMilliseconds(50);
            e.Retry.NeverRetry<ArgumentException>();
        }));

        await host.Bus.SendAsync(new Flaky(1));
        DeadLetter letter = Assert.Single(await Wait.ForDeadLetters(host.DeadLetters, 1));
        Assert.Equal(4, letter.Attempts); // (1 + 1 immediate) x (1 + 1 delayed round)
        Assert.Equal([1, 2, 3, 4], probe.Attempts.Select(a => a.Attempt));

        probe.Failure = () => new ArgumentException("the amount is negative");
        await host.Bus.SendAsync(new Flaky(2));
        IReadOnlyList<DeadLetter> letters = await Wait.ForDeadLetters(host.DeadLetters, 2);
        Assert.Equal(1, letters[1].Attempts);
        Assert.Equal(typeof(ArgumentException).FullName, letters[1].ExceptionType);
        Assert.Single(probe.Attempts, a => a.N == 2);
    }

    [Fact]
    public async Task A_delayed_message_survives_a_restart_and_arrives_when_due()
    {
        using var database = new TempDatabase();
        var probe = new Probe();
        DateTimeOffset due;
        await using (SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe)))
        {
            due = DateTimeOffset.UtcNow.AddSeconds(1.5);
            await host.Bus.SendAsync(new Remind(1), new SendOptions { DeliverAt = due });
        }

        Assert.Empty(probe.Handled);
        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM contracts_queue WHERE due_at IS NOT NULL"));

        await using (SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe)))
        {
            await Wait.For(probe.Done);
            DateTimeOffset arrived = DateTimeOffset.UtcNow;
            Assert.InRange(arrived, due.AddMilliseconds(-20), due.AddSeconds(3));
        }

        Assert.Equal([1], probe.Handled);
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
    }

    [Fact]
    public async Task Concurrent_producers_and_consumers_on_one_file_apply_every_message_once()
    {
        using var database = new TempDatabase();
        database.Execute("CREATE TABLE ticks (producer INTEGER NOT NULL, n INTEGER NOT NULL)");
        const int Producers = 4, PerProducer = 500;
        await using (SqliteBus host = await SqliteBus.StartAsync(database, transport: t => t.Endpoint<Tick>(e =>
        {
            e.MaxConcurrency = 4;
            e.Delivery = DeliveryMode.EffectivelyOnce;
        })))
        {
            var producers = new Task[Producers];
            for (int p = 0; p < Producers; p++)
            {
                int producer = p;
                producers[p] = Task.Run(async () =>
                {
                    for (int i = 0; i < PerProducer; i++)
                    {
                        await host.Bus.SendAsync(new Tick(producer, (producer * PerProducer) + i));
                    }
                });
            }

            await Wait.For(Task.WhenAll(producers));
            await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM ticks") >= Producers * PerProducer, "every tick is applied");
        }

        Assert.Equal(Producers * PerProducer, database.Scalar("SELECT COUNT(*) FROM ticks"));
        Assert.Equal(Producers * PerProducer, database.Scalar("SELECT COUNT(DISTINCT n) FROM ticks"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
        Assert.Equal(Producers * PerProducer, database.Scalar("SELECT COUNT(*) FROM contracts_inbox"));
    }

    [Fact]
    public async Task What_an_effectively_once_handler_sends_commits_with_its_work_and_vanishes_with_a_failed_attempt()
    {
        using var database = new TempDatabase();
        database.Execute("CREATE TABLE packed (n INTEGER NOT NULL)");
        var probe = new Probe { FailTimes = 1 };
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), t => t.Endpoint<Pack>(e =>
        {
            e.Delivery = DeliveryMode.EffectivelyOnce;
            e.Retry.ImmediateRetries = 1;
        }));

        var started = Stopwatch.StartNew();
        await host.Bus.SendAsync(new Pack(42));
        await Wait.For(probe.Done);
        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "the queue is empty");
        await Task.Delay(200);

        Assert.Equal([1, 2], probe.Attempts.Select(a => a.Attempt));
        Assert.Equal([42], probe.Handled);                                   // the parcel of the failed attempt was never sent
        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM packed"));     // nor was its work kept
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}: the send waited for the handler's own write lock");
    }

    [Theory]
    [InlineData(DeliveryMode.AtLeastOnce, true)]
    [InlineData(DeliveryMode.EffectivelyOnce, true)]
    [InlineData(DeliveryMode.AtMostOnce, false)]
    public async Task A_message_cut_off_by_a_stop_is_delivered_again_after_the_restart_unless_the_endpoint_is_at_most_once(DeliveryMode mode, bool deliveredAgain)
    {
        using var database = new TempDatabase();
        var probe = new Probe { Poison = 1 };
        Action<InMemoryTransportOptions> transport = t => t.Endpoint<Hold>(e => e.Delivery = mode);
        await using (SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), transport, options: o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200)))
        {
            await host.Bus.SendAsync(new Hold(1));
            await Wait.For(probe.Done); // the handler is running; the stop below cancels it
        }

        probe.Poison = -1;
        await using (SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe), transport))
        {
            await host.Bus.SendAsync(new Hold(2));
            await Wait.For(probe.Done, deliveredAgain ? 2 : 1);
        }

        Assert.Equal(deliveredAgain ? [1, 2] : [2], probe.Handled.Order());
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_dead_letters"));
    }

    [Fact]
    public async Task Each_subscription_of_an_event_is_stored_on_its_own_and_replaying_one_does_not_rerun_the_other()
    {
        using var database = new TempDatabase();
        var probe = new Probe { Poison = 5 };
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe));

        await host.Bus.PublishAsync(new Shipped(5));
        DeadLetter letter = Assert.Single(await Wait.ForDeadLetters(host.DeadLetters, 1));
        await Wait.For(probe.Done);

        Assert.Equal($"{Descriptor.Of<Shipped>().Name}/{typeof(ShippedLedger).FullName}", letter.Message.Endpoint);
        Assert.Equal([5], probe.Handled);

        probe.Fixed = true;
        Assert.True(await host.DeadLetters.ReplayAsync(letter.Id));
        await Wait.For(probe.Done);
        await Task.Delay(200);

        Assert.Equal([5, 1005], probe.Handled); // the mailer ran once, the ledger once after the replay
        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "the queue is empty");
    }

    [Fact]
    public async Task Inbox_keys_older_than_the_retention_are_cleaned_up_and_newer_ones_kept()
    {
        using var database = new TempDatabase();
        await using (SqliteBus first = await SqliteBus.StartAsync(database))
        {
            // creates the schema
        }

        long old = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeMilliseconds();
        long recent = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        database.Execute($"INSERT INTO contracts_inbox (endpoint, key, processed_at) VALUES ('e', 'old', {old}), ('e', 'recent', {recent})");

        await using (SqliteBus host = await SqliteBus.StartAsync(database, options: o => o.InboxRetention = TimeSpan.FromHours(1)))
        {
            await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_inbox WHERE key = 'old'") == 0, "the expired key is removed");
        }

        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM contracts_inbox WHERE key = 'recent'"));
    }

    [Fact]
    public async Task A_send_returns_only_after_the_message_is_committed()
    {
        using var database = new TempDatabase();
        var probe = new Probe();
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(probe));

        // Due in an hour: it can only be in the table, not already handled and removed.
        await host.Bus.SendAsync(new Remind(1), new SendOptions { Delay = TimeSpan.FromHours(1) });

        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
    }

    private static byte[] Serialize<T>(T message)
        where T : class, IContract<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        T.Contract.Serialize(buffer, message);
        return buffer.WrittenSpan.ToArray();
    }

    private static void InsertRaw(TempDatabase database, string endpoint, string contract, int version, byte[] payload)
    {
        using SqliteConnection connection = database.Open();
        using SqliteCommand insert = connection.CreateCommand();
        insert.CommandText =
            "INSERT INTO contracts_queue (endpoint, message_id, contract, version, correlation_id, attempt, sent_at, payload) " +
            "VALUES ($endpoint, $id, $contract, $version, $id, 1, 0, $payload)";
        insert.Parameters.AddWithValue("$endpoint", endpoint);
        insert.Parameters.AddWithValue("$id", Guid.CreateVersion7());
        insert.Parameters.AddWithValue("$contract", contract);
        insert.Parameters.AddWithValue("$version", version);
        insert.Parameters.AddWithValue("$payload", payload);
        insert.ExecuteNonQuery();
    }
}
