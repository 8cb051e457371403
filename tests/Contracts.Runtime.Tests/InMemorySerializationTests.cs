using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

public sealed partial class InMemorySerializationTests
{
    [Command] public partial record Transfer(Guid Id, string From, string To, decimal Amount, DateTimeOffset At);
    [Event] public partial record Transferred(Guid Id, decimal Amount);
    [Command] public partial record Bulky(string Text);

    public sealed class Received
    {
        public readonly TaskCompletionSource<Transfer> Command = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly ConcurrentQueue<Transferred> Events = new();
        public readonly SemaphoreSlim EventDone = new(0);
        public readonly TaskCompletionSource<Bulky> Bulky = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [Idempotent]
    public sealed class TransferHandler(Received received) : ICommandHandler<Transfer>
    {
        public ValueTask HandleAsync(Transfer command, MessageContext context, CancellationToken cancellationToken)
        {
            received.Command.TrySetResult(command);
            return ValueTask.CompletedTask;
        }
    }

    [Idempotent]
    public sealed class TransferredAuditor(Received received) : IEventHandler<Transferred>
    {
        public ValueTask HandleAsync(Transferred @event, MessageContext context, CancellationToken cancellationToken)
        {
            received.Events.Enqueue(@event);
            received.EventDone.Release();
            return ValueTask.CompletedTask;
        }
    }

    [Idempotent]
    public sealed class TransferredNotifier(Received received) : IEventHandler<Transferred>
    {
        public ValueTask HandleAsync(Transferred @event, MessageContext context, CancellationToken cancellationToken)
        {
            received.Events.Enqueue(@event);
            received.EventDone.Release();
            return ValueTask.CompletedTask;
        }
    }

    [Idempotent]
    public sealed class BulkyHandler(Received received) : ICommandHandler<Bulky>
    {
        public ValueTask HandleAsync(Bulky command, MessageContext context, CancellationToken cancellationToken)
        {
            received.Bulky.TrySetResult(command);
            return ValueTask.CompletedTask;
        }
    }

    private static Task<TestBus> StartAsync(Received received, bool serialize, int maxPayloadBytes = 1024 * 1024) =>
        TestBus.StartAsync(
            s => s.AddSingleton(received),
            o =>
            {
                o.MaxPayloadBytes = maxPayloadBytes;
                o.UseInMemoryTransport(t => t.SerializeMessages = serialize);
            });

    [Fact]
    public async Task With_SerializeMessages_a_handler_gets_an_equal_copy_not_the_sent_instance()
    {
        var received = new Received();
        await using TestBus host = await StartAsync(received, serialize: true);
        var sent = new Transfer(Guid.NewGuid(), "alice", "bob", 12.50m, new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)));

        await host.Bus.SendAsync(sent);
        Transfer got = await Wait.For(received.Command.Task);

        Assert.Equal(sent, got);
        Assert.NotSame(sent, got);
        Assert.Equal("12.50", got.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(TimeSpan.FromHours(2), got.At.Offset);
    }

    [Fact]
    public async Task Without_SerializeMessages_the_handler_gets_the_sent_instance()
    {
        var received = new Received();
        await using TestBus host = await StartAsync(received, serialize: false);
        var sent = new Transfer(Guid.NewGuid(), "alice", "bob", 1m, DateTimeOffset.UnixEpoch);

        await host.Bus.SendAsync(sent);

        Assert.Same(sent, await Wait.For(received.Command.Task));
    }

    [Fact]
    public async Task With_SerializeMessages_every_subscriber_gets_its_own_copy()
    {
        var received = new Received();
        await using TestBus host = await StartAsync(received, serialize: true);
        var sent = new Transferred(Guid.NewGuid(), 3m);

        await host.Bus.PublishAsync(sent);
        await Wait.For(received.EventDone, 2);

        Transferred[] copies = received.Events.ToArray();
        Assert.All(copies, copy => Assert.Equal(sent, copy));
        Assert.All(copies, copy => Assert.NotSame(sent, copy));
        Assert.NotSame(copies[0], copies[1]);
    }

    [Fact]
    public async Task A_message_over_MaxPayloadBytes_is_refused_on_send()
    {
        var received = new Received();
        await using TestBus host = await StartAsync(received, serialize: true, maxPayloadBytes: 64);

        MessageTooLargeException ex = await Assert.ThrowsAsync<MessageTooLargeException>(async () => await host.Bus.SendAsync(new Bulky(new string('x', 100))));

        Assert.Equal(64, ex.Limit);
        Assert.True(ex.Size > 100, $"Size {ex.Size}");
        Assert.Contains(Descriptor.Of<Bulky>().Name, ex.Message);
        Assert.Contains("MaxPayloadBytes", ex.Message);

        await host.Bus.SendAsync(new Bulky("small"));
        Assert.Equal("small", (await Wait.For(received.Bulky.Task)).Text);
    }
}
