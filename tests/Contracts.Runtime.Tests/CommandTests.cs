using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

public sealed partial class CommandTests
{
    [Command]
    public partial record CountMe(int Producer, int Sequence);

    [Command]
    public partial record Unhandled(int X);

    [Query]
    public partial record UnhandledQuery(int X) : IQuery<int>;

    public sealed class Tally(int expected)
    {
        public readonly ConcurrentDictionary<(int, int), int> Seen = new();
        public readonly TaskCompletionSource All = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _total;

        public void Add(CountMe command)
        {
            Seen.AddOrUpdate((command.Producer, command.Sequence), 1, (_, n) => n + 1);
            if (Interlocked.Increment(ref _total) == expected)
            {
                All.TrySetResult();
            }
        }

        public int Total => Volatile.Read(ref _total);
    }

    [Idempotent]
    public sealed class CountMeHandler(Tally tally) : ICommandHandler<CountMe>
    {
        public ValueTask HandleAsync(CountMe command, MessageContext context, CancellationToken cancellationToken)
        {
            tally.Add(command);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Every_concurrently_sent_command_is_handled_exactly_once()
    {
        const int producers = 8, perProducer = 250;
        var tally = new Tally(producers * perProducer);
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(tally),
            o => o.UseInMemoryTransport(t => t.Endpoint<CountMe>(e => { e.Capacity = 16; e.MaxConcurrency = 4; })));

        // Capacity 16 under 8 producers: most sends wait for room, so the waiting path is exercised too.
        Task[] sending = [.. Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            for (int i = 0; i < perProducer; i++)
            {
                await host.Bus.SendAsync(new CountMe(p, i));
            }
        }))];
        await Wait.For(Task.WhenAll(sending));
        await Wait.For(tally.All.Task);
        await host.StopAsync();

        Assert.Equal(producers * perProducer, tally.Total);
        Assert.Equal(producers * perProducer, tally.Seen.Count);
        Assert.All(tally.Seen, pair => Assert.Equal(1, pair.Value));
    }

    [Fact]
    public async Task Sending_a_command_without_a_handler_throws_NoHandlerException_naming_it()
    {
        await using TestBus host = await TestBus.StartAsync();

        NoHandlerException ex = await Assert.ThrowsAsync<NoHandlerException>(async () => await host.Bus.SendAsync(new Unhandled(1)));

        Assert.Same(Descriptor.Of<Unhandled>(), ex.Contract);
        Assert.Contains("No handler is registered for command", ex.Message);
        Assert.Contains($"'{Descriptor.Of<Unhandled>().Name}'", ex.Message);
        Assert.Contains(nameof(Unhandled), ex.Message);
    }

    [Fact]
    public async Task Running_a_query_without_a_handler_throws_NoHandlerException_naming_it()
    {
        await using TestBus host = await TestBus.StartAsync();

        NoHandlerException ex = await Assert.ThrowsAsync<NoHandlerException>(async () => await host.Bus.QueryAsync(new UnhandledQuery(1)));

        Assert.Same(Descriptor.Of<UnhandledQuery>(), ex.Contract);
        Assert.Contains("No handler is registered for query", ex.Message);
        Assert.Contains($"'{Descriptor.Of<UnhandledQuery>().Name}'", ex.Message);
    }
}
