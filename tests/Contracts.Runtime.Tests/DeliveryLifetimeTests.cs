using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>
/// A queued command's delivery reuses its context and envelope for later messages once its handler returned at once:
/// a handler that keeps what it was given must never see another message's data silently.
/// </summary>
public sealed partial class DeliveryLifetimeTests
{
    [Command] public partial record Stamp([property: IdempotencyKey] int Seq);

    /// <summary>What the handler of <see cref="Stamp"/> does with what it is given.</summary>
    public sealed class Keeper
    {
        public volatile MessageContext? Context;
        public volatile Envelope? Envelope;
        public Guid KeptId;
        public int KeepSeq = -1;
        public bool AskEnvelope;
        public int Expected;
        public int Handled;
        public int Mismatches;
        public readonly ConcurrentQueue<string> Wrong = new();
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class StampHandler(Keeper keeper) : ICommandHandler<Stamp>
    {
        public ValueTask HandleAsync(Stamp command, MessageContext context, CancellationToken cancellationToken)
        {
            if (context.MessageId != IdOf(command.Seq) || context.CorrelationId != IdOf(command.Seq) || context.Attempt != 1)
            {
                Interlocked.Increment(ref keeper.Mismatches);
                keeper.Wrong.Enqueue($"{command.Seq}: {context.MessageId} {context.CorrelationId} attempt {context.Attempt}");
            }

            if (command.Seq == keeper.KeepSeq)
            {
                keeper.KeptId = context.MessageId;
                keeper.Context = context;
                if (keeper.AskEnvelope)
                {
                    keeper.Envelope = context.Envelope;
                }
            }

            if (Interlocked.Increment(ref keeper.Handled) == keeper.Expected)
            {
                keeper.Done.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }
    }

    private static Guid IdOf(int seq) => new(seq, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7);

    private static Task<TestBus> StartAsync(Keeper keeper, int workers) => TestBus.StartAsync(
        s => s.AddSingleton(keeper),
        o => o.UseInMemoryTransport(t => t.Endpoint<Stamp>(e => { e.MaxConcurrency = workers; e.Capacity = 64; })));

    /// <summary>A bus whose <see cref="StampHandler"/> has handled <paramref name="count"/> messages, sent one at a time.</summary>
    private static async Task<TestBus> HandledAsync(Keeper keeper, int count)
    {
        keeper.Expected = count;
        TestBus host = await StartAsync(keeper, workers: 1);
        try
        {
            await SendAsync(host.Bus, 0, count);
            await Wait.For(keeper.Done.Task);
            return host;
        }
        catch (Exception)
        {
            await host.DisposeAsync(); // the test fails with what went wrong; the bus does not outlive it
            throw;
        }
    }

    private static async Task SendAsync(IMessageBus bus, int first, int count)
    {
        await Task.Yield();
        for (int seq = first; seq < first + count; seq++)
        {
            Guid id = IdOf(seq);
            await bus.SendAsync(new Stamp(seq), new SendOptions { MessageId = id, CorrelationId = id });
        }
    }

    [Fact]
    public async Task A_message_context_kept_past_its_handler_throws_instead_of_showing_a_later_message()
    {
        var keeper = new Keeper { KeepSeq = 0 };
        await using TestBus host = await HandledAsync(keeper, 200);

        MessageContext kept = Assert.IsType<MessageContext>(keeper.Context);
        Assert.Equal(IdOf(0), keeper.KeptId);
        ObjectDisposedException ex = Assert.Throws<ObjectDisposedException>(() => kept.MessageId);
        Assert.Contains("after its handler returned", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => kept.Headers);
        Assert.Throws<ObjectDisposedException>(() => kept.Envelope);
        Assert.Throws<ObjectDisposedException>(() => kept.Services);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => kept.SendAsync(new Stamp(-1)).AsTask());
        Assert.Equal(0, keeper.Mismatches);
    }

    [Fact]
    public async Task A_context_kept_from_the_only_message_throws_too()
    {
        // No later message reused anything: the rule holds all the same, so a test with one message finds the misuse.
        var keeper = new Keeper { KeepSeq = 0 };
        await using TestBus host = await HandledAsync(keeper, 1);

        Assert.Throws<ObjectDisposedException>(() => keeper.Context!.CorrelationId);
    }

    [Fact]
    public async Task An_envelope_the_handler_asked_for_stays_its_own_while_later_messages_pass()
    {
        var keeper = new Keeper { KeepSeq = 3, AskEnvelope = true };
        await using TestBus host = await HandledAsync(keeper, 500);

        Envelope envelope = Assert.IsType<Envelope>(keeper.Envelope);
        Assert.Equal(IdOf(3), envelope.MessageId);
        Assert.Equal(new Stamp(3), envelope.Message);
        Assert.Equal(0, keeper.Mismatches);
    }

    [Fact]
    public async Task Two_producers_and_two_workers_each_see_their_own_message_in_every_delivery()
    {
        const int PerProducer = 20_000;
        var keeper = new Keeper { Expected = 2 * PerProducer };
        await using TestBus host = await StartAsync(keeper, workers: 2);

        await Task.WhenAll(SendAsync(host.Bus, 0, PerProducer), SendAsync(host.Bus, PerProducer, PerProducer));
        await Wait.For(keeper.Done.Task);

        Assert.True(keeper.Mismatches == 0, string.Join("; ", keeper.Wrong));
        Assert.Equal(2 * PerProducer, Volatile.Read(ref keeper.Handled));
    }
}
