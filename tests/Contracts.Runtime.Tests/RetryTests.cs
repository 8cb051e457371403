using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>Retries, dead letters and the inbox on the in-memory transport, without a durable store.</summary>
public sealed partial class RetryTests
{
    [Command] public partial record Wobbly([property: IdempotencyKey] int N);
    [Command] public partial record Checked([property: IdempotencyKey] int N);
    [Event] public partial record Noted([property: IdempotencyKey] int N);
    [Command] public partial record Held([property: IdempotencyKey] int N);

    public sealed class HeldHandler(Tries tries, Gate gate) : ICommandHandler<Held>
    {
        public async ValueTask HandleAsync(Held command, MessageContext context, CancellationToken cancellationToken)
        {
            tries.Attempts.Enqueue((command.N, context.Attempt));
            await gate.WaitAsync(cancellationToken);
            tries.Handled.Enqueue(command.N);
            tries.Done.Release();
        }
    }

    public sealed class Tries
    {
        public readonly ConcurrentQueue<(int N, int Attempt)> Attempts = new();
        public readonly ConcurrentQueue<int> Handled = new();
        public readonly SemaphoreSlim Done = new(0);
        public volatile int FailTimes;
        public volatile bool Fail;
    }

    public sealed class WobblyHandler(Tries tries) : ICommandHandler<Wobbly>
    {
        public ValueTask HandleAsync(Wobbly command, MessageContext context, CancellationToken cancellationToken)
        {
            tries.Attempts.Enqueue((command.N, context.Attempt));
            if (context.Attempt <= tries.FailTimes)
            {
                throw new TimeoutException($"attempt {context.Attempt} timed out");
            }

            tries.Handled.Enqueue(command.N);
            tries.Done.Release();
            return ValueTask.CompletedTask;
        }
    }

    public sealed class CheckedHandler(Tries tries) : ICommandHandler<Checked>
    {
        public ValueTask HandleAsync(Checked command, MessageContext context, CancellationToken cancellationToken)
        {
            tries.Attempts.Enqueue((command.N, context.Attempt));
            if (tries.Fail)
            {
                throw new ArgumentException($"{command.N} is not valid");
            }

            tries.Handled.Enqueue(command.N);
            tries.Done.Release();
            return ValueTask.CompletedTask;
        }
    }

    public sealed class NotedHandler(Tries tries) : IEventHandler<Noted>
    {
        public ValueTask HandleAsync(Noted @event, MessageContext context, CancellationToken cancellationToken)
        {
            tries.Handled.Enqueue(@event.N);
            tries.Done.Release();
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Immediate_then_delayed_retries_succeed_and_the_handler_sees_each_attempt_number()
    {
        var tries = new Tries { FailTimes = 4 };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(tries), o => o.UseInMemoryTransport(t => t.Endpoint<Wobbly>(e =>
        {
            e.Retry.ImmediateRetries = 1;
            e.Retry.DelayedRetries = 2;
            e.Retry.Delay = TimeSpan.FromMilliseconds(20);
        })));

        await host.Bus.SendAsync(new Wobbly(1));
        await Wait.For(tries.Done);

        Assert.Equal([1, 2, 3, 4, 5], tries.Attempts.Select(a => a.Attempt));
        Assert.Empty(await host.Get<IDeadLetters>().ListAsync());
    }

    [Fact]
    public async Task Without_a_store_a_failed_message_is_kept_in_memory_as_a_dead_letter_and_can_be_replayed()
    {
        var tries = new Tries { Fail = true };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(tries), o => o.UseInMemoryTransport(t => t.Endpoint<Checked>(e => e.Retry.ImmediateRetries = 3)));
        IDeadLetters deadLetters = host.Get<IDeadLetters>();

        await host.Bus.SendAsync(new Checked(1));
        DeadLetter letter = await WaitForDeadLetter(deadLetters);

        Assert.Equal(DeadLetterReason.Failed, letter.Reason);
        Assert.Equal(4, letter.Attempts);
        Assert.Equal(typeof(ArgumentException).FullName, letter.ExceptionType);
        Assert.Equal("Contracts.Runtime.Tests.RetryTests.Checked", letter.Message.Endpoint);
        Assert.False(letter.Message.Payload.IsEmpty); // serialized for the dead letter, though it travelled as an object

        tries.Fail = false;
        Assert.True(await deadLetters.ReplayAsync(letter.Id));
        await Wait.For(tries.Done);
        Assert.Equal([1], tries.Handled);
        Assert.Empty(await deadLetters.ListAsync());
    }

    [Fact]
    public async Task A_never_retry_exception_skips_the_retries()
    {
        var tries = new Tries { Fail = true };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(tries), o => o.UseInMemoryTransport(t => t.Endpoint<Checked>(e =>
            e.Retry.NeverRetry<ArgumentException>().ImmediateRetries = 5)));

        await host.Bus.SendAsync(new Checked(1));
        DeadLetter letter = await WaitForDeadLetter(host.Get<IDeadLetters>());

        Assert.Equal(1, letter.Attempts);
        Assert.Single(tries.Attempts);
    }

    [Fact]
    public async Task An_always_retry_exception_is_retried_even_when_a_broader_filter_says_never()
    {
        var tries = new Tries { FailTimes = 2 };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(tries), o => o.UseInMemoryTransport(t => t.Endpoint<Wobbly>(e =>
            e.Retry.NeverRetry<Exception>().AlwaysRetry<TimeoutException>().ImmediateRetries = 2)));

        await host.Bus.SendAsync(new Wobbly(1));
        await Wait.For(tries.Done);

        Assert.Equal([1, 2, 3], tries.Attempts.Select(a => a.Attempt));
    }

    [Fact]
    public async Task An_effectively_once_endpoint_handles_a_key_once_even_when_it_is_sent_twice()
    {
        var tries = new Tries();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(tries), o => o.UseInMemoryTransport(t => t.Endpoint<Noted>(e => e.Delivery = DeliveryMode.EffectivelyOnce)));

        await host.Bus.PublishAsync(new Noted(1));
        await host.Bus.PublishAsync(new Noted(1));
        await host.Bus.PublishAsync(new Noted(2));
        await Wait.For(tries.Done, 2);
        await Wait.For(host.StopAsync());

        Assert.Equal([1, 2], tries.Handled);
    }

    [Fact]
    public async Task Copies_of_one_key_on_concurrent_workers_run_the_handler_once()
    {
        var tries = new Tries();
        var gate = new Gate();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(tries).AddSingleton(gate), o => o.UseInMemoryTransport(t => t.Endpoint<Held>(e =>
        {
            e.Delivery = DeliveryMode.EffectivelyOnce;
            e.MaxConcurrency = 4;
        })));

        // Two sends of one logical message reach two workers at once; the first holds its handler open.
        await host.Bus.SendAsync(new Held(1));
        await host.Bus.SendAsync(new Held(1));
        await host.Bus.SendAsync(new Held(2));
        using (var cts = new CancellationTokenSource(TestBus.Timeout))
        {
            while (tries.Attempts.Count < 2)
            {
                await Task.Delay(10, cts.Token);
            }
        }

        // Keys 1 and 2 are in their handlers; the copy of key 1 has had time to reach a worker, and waits.
        await Task.Delay(200);
        Assert.Equal(2, tries.Attempts.Count);

        gate.Open();
        await Wait.For(tries.Done, 2);
        await Wait.For(host.StopAsync());

        // After the first copy succeeded, the second met the inbox and was dropped.
        Assert.Equal([1, 2], tries.Handled.Order());
        Assert.Equal(2, tries.Attempts.Count);
    }

    [Fact]
    public async Task An_at_most_once_endpoint_never_retries()
    {
        var tries = new Tries { FailTimes = 1 };
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(tries), o => o.UseInMemoryTransport(t => t.Endpoint<Wobbly>(e =>
        {
            e.Delivery = DeliveryMode.AtMostOnce;
            e.Retry.ImmediateRetries = 3;
        })));

        await host.Bus.SendAsync(new Wobbly(1));
        DeadLetter letter = await WaitForDeadLetter(host.Get<IDeadLetters>());

        Assert.Equal(1, letter.Attempts);
        Assert.Empty(tries.Handled);
    }

    [Fact]
    public void Delays_grow_exponentially_up_to_the_maximum_and_jitter_stays_within_its_fraction()
    {
        var policy = new RetryPolicy { Delay = TimeSpan.FromSeconds(1), BackoffFactor = 3, MaxDelay = TimeSpan.FromSeconds(20), Jitter = 0.25 };

        Assert.Equal(TimeSpan.FromSeconds(1), policy.DelayFor(0, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(9), policy.DelayFor(2, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(20), policy.DelayFor(5, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(0.75), policy.DelayFor(0, 0));
        Assert.Equal(TimeSpan.FromSeconds(1.25), policy.DelayFor(0, 1));
    }

    private static async Task<DeadLetter> WaitForDeadLetter(IDeadLetters deadLetters)
    {
        DateTime deadline = DateTime.UtcNow + TestBus.Timeout;
        while (true)
        {
            if (await deadLetters.ListAsync() is [DeadLetter letter])
            {
                return letter;
            }

            Assert.True(DateTime.UtcNow < deadline, "No dead letter arrived.");
            await Task.Delay(10);
        }
    }
}
