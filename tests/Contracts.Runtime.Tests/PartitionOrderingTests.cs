using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>Order per partition key on the in-memory transport: lanes, retries that hold their key, skip mode, and the load test.</summary>
public sealed partial class PartitionOrderingTests
{
    [Command] public partial record Step([property: PartitionKey] int Key, int Seq);
    [Command] public partial record Named([property: PartitionKey] string Tenant, [property: PartitionKey] Guid Account, decimal Amount);

    /// <summary>What the handlers saw; a failure to keep order is counted, never thrown from a handler (that would look like a handler failure).</summary>
    public sealed class Ledger(int keys)
    {
        public readonly int[] Last = new int[keys];
        public readonly int[] InFlight = new int[keys];
        public readonly ConcurrentQueue<string> Violations = new();
        public readonly ConcurrentQueue<(int Key, int Seq, int Attempt, long At)> Handled = new();
        public readonly SemaphoreSlim Done = new(0);
        public int Expected;
        public int Count;
        public Func<Step, int, bool> Fails = static (_, _) => false;
        public bool RandomTimes;

        public void Record(Step step, int attempt)
        {
            if (Volatile.Read(ref Last[step.Key]) != step.Seq - 1)
            {
                Violations.Enqueue($"key {step.Key}: {step.Seq} after {Last[step.Key]}");
            }

            Volatile.Write(ref Last[step.Key], step.Seq);
            Handled.Enqueue((step.Key, step.Seq, attempt, Stopwatch.GetTimestamp()));
            if (Interlocked.Increment(ref Count) == Expected)
            {
                Done.Release();
            }
        }
    }

    [Idempotent]
    public sealed class StepHandler(Ledger ledger) : ICommandHandler<Step>
    {
        public async ValueTask HandleAsync(Step command, MessageContext context, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref ledger.InFlight[command.Key]) != 1)
            {
                ledger.Violations.Enqueue($"key {command.Key}: two at once at {command.Seq}");
            }

            try
            {
                if (ledger.RandomTimes)
                {
                    // Random handler times: most return at once, some yield, a few spin or sleep a little.
                    int roll = Random.Shared.Next(1000);
                    if (roll < 300)
                    {
                        await Task.Yield();
                    }
                    else if (roll < 320)
                    {
                        Thread.SpinWait(2000);
                    }
                    else if (roll < 322)
                    {
                        await Task.Delay(1, cancellationToken);
                    }
                }

                if (ledger.Fails(command, context.Attempt))
                {
                    throw new TimeoutException($"key {command.Key} seq {command.Seq} attempt {context.Attempt} failed on purpose");
                }

                ledger.Record(command, context.Attempt);
            }
            finally
            {
                Interlocked.Decrement(ref ledger.InFlight[command.Key]);
            }
        }
    }

    [Idempotent]
    public sealed class NamedHandler : ICommandHandler<Named>
    {
        public ValueTask HandleAsync(Named command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private static ContractDescriptor StepContract => ((IMessage)new Step(0, 0)).Descriptor;

    private static int LaneOf(int key, int lanes) => (int)(StepContract.GetPartitionKey(new Step(key, 0))!.Value % (ulong)lanes);

    [Fact]
    public void The_generated_key_is_a_stable_hash_of_the_key_members_only()
    {
        ContractDescriptor named = ((IMessage)new Named("a", Guid.Empty, 0m)).Descriptor;
        var account = Guid.Parse("0b1e7a4c-9d3f-4f0e-8a55-2f7c1d9e6b30");

        Assert.True(named.HasPartitionKey);
        Assert.True(StepContract.HasPartitionKey);
        Assert.Equal(named.GetPartitionKey(new Named("acme", account, 1m)), named.GetPartitionKey(new Named("acme", account, 99.5m)));
        Assert.NotEqual(named.GetPartitionKey(new Named("acme", account, 1m)), named.GetPartitionKey(new Named("acmf", account, 1m)));
        Assert.NotEqual(named.GetPartitionKey(new Named("ac", account, 1m)), named.GetPartitionKey(new Named("ca", account, 1m)));
        Assert.Equal(StepContract.GetPartitionKey(new Step(7, 1)), StepContract.GetPartitionKey(new Step(7, 2)));

        // Pinned values: a key must hash the same in every process and on every run (no per-process seed, no
        // string.GetHashCode), or a message would change lanes, and order, after a restart.
        Assert.Equal(PinnedNamed, named.GetPartitionKey(new Named("acme", account, 1m))!.Value.ToString("x16", CultureInfo.InvariantCulture));
        Assert.Equal(PinnedStep, StepContract.GetPartitionKey(new Step(42, 1))!.Value.ToString("x16", CultureInfo.InvariantCulture));
    }

    private const string PinnedNamed = "6fe5a558349a8469";
    private const string PinnedStep = "1f88ca3f5cfca253";

    [Fact]
    public void Keys_spread_over_the_lanes()
    {
        int[] perLane = new int[8];
        for (int key = 0; key < 1000; key++)
        {
            perLane[LaneOf(key, 8)]++;
        }

        // 125 each on average; a hash whose low bits ignored the key would put them all in one lane.
        Assert.All(perLane, n => Assert.InRange(n, 80, 170));
    }

    [Fact]
    public async Task One_key_is_handled_one_at_a_time_in_send_order_while_other_lanes_run()
    {
        var ledger = new Ledger(keys: 64) { Expected = 64 * 50, RandomTimes = true };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(ledger), o => o.UseInMemoryTransport(t => t.Endpoint<Step>(e => e.MaxConcurrency = 4)));

        int[] seq = new int[64];
        for (int i = 0; i < ledger.Expected; i++)
        {
            int key = (i * 7) % 64;
            await host.Bus.SendAsync(new Step(key, ++seq[key]));
        }

        await Wait.For(ledger.Done);
        Assert.Empty(ledger.Violations);
        Assert.All(ledger.Last, last => Assert.Equal(50, last));
    }

    [Fact]
    public async Task A_delayed_retry_holds_the_later_messages_of_its_key_but_not_other_lanes()
    {
        const int lanes = 4;
        int blocked = 0;
        int other = Enumerable.Range(1, 100).First(k => LaneOf(k, lanes) != LaneOf(blocked, lanes));
        var ledger = new Ledger(keys: 101) { Expected = 3, Fails = (step, attempt) => step.Key == 0 && step.Seq == 1 && attempt == 1 };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(ledger), o => o.UseInMemoryTransport(t => t.Endpoint<Step>(e =>
        {
            e.MaxConcurrency = lanes;
            e.Retry.DelayedRetries = 1;
            e.Retry.Delay = TimeSpan.FromMilliseconds(300);
            e.Retry.Jitter = 0;
        })));

        await host.Bus.SendAsync(new Step(blocked, 1)); // fails, comes back in 300 ms
        await host.Bus.SendAsync(new Step(blocked, 2)); // must wait for it
        await host.Bus.SendAsync(new Step(other, 1));   // another lane: not held
        await Wait.For(ledger.Done);

        (int Key, int Seq, int Attempt, long At)[] handled = [.. ledger.Handled];
        Assert.Equal([(other, 1), (blocked, 1), (blocked, 2)], handled.Select(h => (h.Key, h.Seq)));
        Assert.Equal(2, handled[1].Attempt);
        Assert.Empty(ledger.Violations);
        Assert.Empty(await host.Get<IDeadLetters>().ListAsync());
    }

    [Fact]
    public async Task Skip_mode_dead_letters_a_message_whose_immediate_retries_are_spent_and_its_key_goes_on()
    {
        var ledger = new Ledger(keys: 1) { Expected = 2, Fails = static (step, _) => step.Seq == 2 };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(ledger), o => o.UseInMemoryTransport(t => t.Endpoint<Step>(e =>
        {
            e.MaxConcurrency = 2;
            e.OrderingFailure = OrderingFailureMode.SkipAndDeadLetter;
            e.Retry.ImmediateRetries = 1;
            e.Retry.DelayedRetries = 5; // never used: skipping replaces them
            e.Retry.Delay = TimeSpan.FromSeconds(30);
        })));

        // The ledger expects seq - 1 before seq; with 2 skipped, 3 comes after 1.
        ledger.Last[0] = 0;
        await host.Bus.SendAsync(new Step(0, 1));
        await host.Bus.SendAsync(new Step(0, 2));
        await host.Bus.SendAsync(new Step(0, 3));
        await Wait.For(ledger.Done);

        Assert.Equal([1, 3], ledger.Handled.Select(h => h.Seq));
        DeadLetter letter = Assert.Single(await host.Get<IDeadLetters>().ListAsync());
        Assert.Equal(DeadLetterReason.Failed, letter.Reason);
        Assert.Equal(2, letter.Attempts); // the first try and its one immediate retry; no delayed round
        Assert.Equal(["key 0: 3 after 1"], ledger.Violations); // the only gap is the skipped message
    }

    [Fact]
    public async Task Without_a_partition_key_MaxConcurrency_still_gives_up_order_and_retries_do_not_hold()
    {
        var tries = new ConcurrentQueue<int>();
        var done = new SemaphoreSlim(0);
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(tries).AddSingleton(done),
            o => o.UseInMemoryTransport(t => t.Endpoint<Loose>(e =>
            {
                e.MaxConcurrency = 1;
                e.Retry.DelayedRetries = 1;
                e.Retry.Delay = TimeSpan.FromMilliseconds(200);
            })));

        await host.Bus.SendAsync(new Loose(1)); // fails once, delayed
        await host.Bus.SendAsync(new Loose(2)); // overtakes it: no key, no hold
        await Wait.For(done, 2);

        Assert.Equal([2, 1], tries);
    }

    [Command] public partial record Loose(int N);

    [Idempotent]
    public sealed class LooseHandler(ConcurrentQueue<int> handled, SemaphoreSlim done) : ICommandHandler<Loose>
    {
        public ValueTask HandleAsync(Loose command, MessageContext context, CancellationToken cancellationToken)
        {
            if (command.N == 1 && context.Attempt == 1)
            {
                throw new TimeoutException("first attempt fails");
            }

            handled.Enqueue(command.N);
            done.Release();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// The test: 100,000 messages over 1,000 keys with 8 workers, random handler times, injected failures with
    /// immediate and delayed retries: every key strictly in send order, nothing lost. CONTRACTS_ORDERING_MESSAGES scales it.
    /// </summary>
    [Fact]
    public async Task A_hundred_thousand_messages_over_a_thousand_keys_stay_in_order_per_key_through_failures_and_retries()
    {
        int total = int.TryParse(Environment.GetEnvironmentVariable("CONTRACTS_ORDERING_MESSAGES"), out int n) && n > 0 ? n : 100_000;
        const int keys = 1000;
        var ledger = new Ledger(keys)
        {
            Expected = total,
            RandomTimes = true,

            // About 2% fail their first attempt (an immediate retry handles them), 0.1% fail both attempts of the
            // first round (a delayed retry, holding their lane, handles them).
            Fails = static (step, attempt) =>
            {
                int roll = (int)((uint)HashCode.Combine(step.Key, step.Seq, 17) % 1000);
                return (roll < 20 && attempt == 1) || (roll < 1 && attempt <= 2);
            },
        };
        var time = Stopwatch.StartNew();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(ledger), o => o.UseInMemoryTransport(t => t.Endpoint<Step>(e =>
        {
            e.MaxConcurrency = 8;
            e.Retry.ImmediateRetries = 1;
            e.Retry.DelayedRetries = 2;
            e.Retry.Delay = TimeSpan.FromMilliseconds(5);
        })));

        int[] seq = new int[keys];
        var random = new Random(18);
        for (int i = 0; i < total; i++)
        {
            int key = random.Next(keys);
            await host.Bus.SendAsync(new Step(key, ++seq[key]));
        }

        Assert.True(await ledger.Done.WaitAsync(TimeSpan.FromSeconds(60)), $"{ledger.Count} of {total} handled");
        Assert.Empty(ledger.Violations.Take(10));
        for (int key = 0; key < keys; key++)
        {
            Assert.Equal(seq[key], ledger.Last[key]);
        }

        Assert.Equal(total, ledger.Handled.Count);
        Assert.Contains(ledger.Handled, h => h.Attempt == 3); // delayed retries did happen
        Assert.Empty(await host.Get<IDeadLetters>().ListAsync());
        Assert.True(time.Elapsed < TimeSpan.FromSeconds(60), $"took {time.Elapsed}");
    }

    [Command] public partial record Gated([property: PartitionKey] int Key, int Seq);

    [Idempotent]
    public sealed class GatedHandler(Gate gate, ConcurrentQueue<int> handled, SemaphoreSlim entered) : ICommandHandler<Gated>
    {
        public async ValueTask HandleAsync(Gated command, MessageContext context, CancellationToken cancellationToken)
        {
            entered.Release();
            await gate.WaitAsync(cancellationToken);
            handled.Enqueue(command.Seq);
        }
    }

    [Fact]
    public async Task In_a_drop_mode_each_lane_holds_its_share_of_the_capacity_and_drops_within_itself()
    {
        var gate = new Gate();
        var handled = new ConcurrentQueue<int>();
        var entered = new SemaphoreSlim(0);
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(gate).AddSingleton(handled).AddSingleton(entered),
            o => o.UseInMemoryTransport(t => t.Endpoint<Gated>(e =>
            {
                e.MaxConcurrency = 2;
                e.Capacity = 4; // two per lane
                e.FullMode = EndpointFullMode.DropNewest;
            })));

        // One key, so one lane: the first is in its handler, the lane keeps two behind it, each later send drops the newest queued.
        await host.Bus.SendAsync(new Gated(5, 1));
        await Wait.For(entered);
        for (int seq = 2; seq <= 10; seq++)
        {
            await host.Bus.SendAsync(new Gated(5, seq));
        }

        gate.Open();
        await Wait.For(entered, 2);
        await Wait.For(host.StopAsync());

        Assert.Equal([1, 2, 10], handled); // the survivors, still in send order
    }

    [Fact]
    public async Task A_stop_does_not_wait_past_its_timeout_for_a_held_retry_and_the_key_behind_it_is_not_handled()
    {
        var ledger = new Ledger(keys: 1) { Expected = int.MaxValue, Fails = static (step, _) => step.Seq == 1 };
        TestBus host = await TestBus.StartAsync(s => s.AddSingleton(ledger), o =>
        {
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(200);
            o.UseInMemoryTransport(t => t.Endpoint<Step>(e =>
            {
                e.MaxConcurrency = 2;
                e.Retry.DelayedRetries = 1;
                e.Retry.Delay = TimeSpan.FromMinutes(5);
            }));
        });
        await using (host)
        {
            await host.Bus.SendAsync(new Step(0, 1)); // fails; its retry is held for five minutes
            await host.Bus.SendAsync(new Step(0, 2)); // behind it
            await Task.Delay(100);

            var stopping = Stopwatch.StartNew();
            using var cts = new CancellationTokenSource(TestBus.Timeout);
            await host.StopAsync(cts.Token);

            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {stopping.Elapsed}");
        }

        // Neither the held retry nor the message behind it ran: without a store both are lost at the stop, as any delayed message is.
        Assert.Equal(0, ledger.Count);
        Assert.Empty(ledger.Violations);
    }

    [Fact]
    public async Task A_delayed_retry_parks_only_its_key_the_other_keys_of_its_lane_go_on()
    {
        const int lanes = 2;
        int blocked = 0;
        int sameLane = Enumerable.Range(1, 100).First(k => LaneOf(k, lanes) == LaneOf(blocked, lanes));
        var ledger = new Ledger(keys: 101) { Expected = 4, Fails = (step, attempt) => step.Key == blocked && step.Seq == 1 && attempt == 1 };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(ledger), o => o.UseInMemoryTransport(t => t.Endpoint<Step>(e =>
        {
            e.MaxConcurrency = lanes;
            e.Capacity = 8;
            e.Retry.DelayedRetries = 1;
            e.Retry.Delay = TimeSpan.FromMilliseconds(300);
            e.Retry.Jitter = 0;
        })));

        await host.Bus.SendAsync(new Step(blocked, 1));  // fails, comes back in 300 ms
        await host.Bus.SendAsync(new Step(blocked, 2));  // parked behind it
        await host.Bus.SendAsync(new Step(sameLane, 1)); // same lane, another key: goes on
        await host.Bus.SendAsync(new Step(sameLane, 2));
        await Wait.For(ledger.Done);

        Assert.Equal([(sameLane, 1), (sameLane, 2), (blocked, 1), (blocked, 2)], ledger.Handled.Select(h => (h.Key, h.Seq)));
        Assert.Empty(ledger.Violations);
    }

    [Fact]
    public async Task In_a_drop_mode_a_full_lane_never_drops_a_retry_that_came_due()
    {
        const int lanes = 2;
        int blocked = 0;
        int sameLane = Enumerable.Range(1, 100).First(k => LaneOf(k, lanes) == LaneOf(blocked, lanes));
        var failed = new SemaphoreSlim(0);
        var ledger = new Ledger(keys: 101)
        {
            Expected = int.MaxValue,
            Fails = (step, attempt) =>
            {
                bool fail = step.Key == blocked && step.Seq == 1 && attempt == 1;
                if (fail)
                {
                    failed.Release();
                }

                return fail;
            },
        };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(ledger), o => o.UseInMemoryTransport(t => t.Endpoint<Step>(e =>
        {
            e.MaxConcurrency = lanes;
            e.Capacity = 2; // one per lane
            e.FullMode = EndpointFullMode.DropNewest;
            e.Retry.DelayedRetries = 1;
            e.Retry.Delay = TimeSpan.FromMilliseconds(300);
            e.Retry.Jitter = 0;
        })));

        // One slot per lane: each send waits until the lane's worker has taken the one before, or it would be dropped.
        await host.Bus.SendAsync(new Step(blocked, 1)); // fails, its key parks, the retry comes due in 300 ms
        await Wait.For(failed);
        await Task.Delay(50);
        await host.Bus.SendAsync(new Step(blocked, 2)); // parked
        await Task.Delay(50);
        for (int seq = 1; seq <= 200; seq++)
        {
            // Keep the lane's one slot taken while the retry comes due: its wake-up may be dropped, the retry never.
            await host.Bus.SendAsync(new Step(sameLane, seq));
            await Task.Delay(1);
        }

        using var cts = new CancellationTokenSource(TestBus.Timeout);
        while (Volatile.Read(ref ledger.Last[blocked]) < 2)
        {
            await Task.Delay(10, cts.Token);
        }

        Assert.Equal([1, 2], ledger.Handled.Where(h => h.Key == blocked).Select(h => h.Seq));
        Assert.DoesNotContain(ledger.Violations, v => v.StartsWith($"key {blocked}:", StringComparison.Ordinal)); // drops of the other key leave gaps there
    }
}
