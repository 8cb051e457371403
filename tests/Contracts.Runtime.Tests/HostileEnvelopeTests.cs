using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts.Runtime.Tests;

/// <summary>A message off the wire whose headers cannot even be read is dead-lettered, never handed back to be requeued.</summary>
public sealed partial class HostileEnvelopeTests
{
    [Command] public partial record Guarded([property: IdempotencyKey] Guid Id);

    public sealed class GuardedHandler : ICommandHandler<Guarded>
    {
        public static int Handled;

        public ValueTask HandleAsync(Guarded command, MessageContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Handled);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Headers_that_throw_while_read_dead_letter_the_message_with_the_reason()
    {
        var captured = new TaskCompletionSource<TransportContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestBus host = await TestBus.StartAsync(configure: o => o.UseTransport(new InMemoryTransportOptions(), services =>
            new Capturing(services, captured)));
        TransportContext context = await Wait.For(captured.Task);
        TransportEndpoint endpoint = Find(context, Descriptor.Of<Guarded>());
        var control = new RecordingControl();

        await context.Receiver.ReceiveAsync(endpoint, new ThrowingHeaders(), new byte[] { 0x91, 0x01 }, control, TestContext.Current.CancellationToken);

        DeadLetter letter = Assert.Single(control.DeadLetters);
        Assert.Equal(DeadLetterReason.Unreadable, letter.Reason);
        Assert.Contains("cannot be read", letter.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(endpoint.Name, letter.Message.Endpoint);
        Assert.Equal(new byte[] { 0x91, 0x01 }, letter.Message.Payload.ToArray());
        Assert.Equal(0, control.Abandoned);
    }

    private static TransportEndpoint Find(TransportContext context, ContractDescriptor contract)
    {
        foreach (TransportEndpoint endpoint in context.Endpoints)
        {
            if (endpoint.Contract == contract)
            {
                return endpoint;
            }
        }

        throw new InvalidOperationException($"No endpoint for {contract}.");
    }

    /// <summary>A transport's header adapter that fails on every read, as one meeting a value of a type it does not expect might.</summary>
    private sealed class ThrowingHeaders : IHeaderReader
    {
        public string? Get(string name) => throw new FormatException($"header '{name}' holds a value of an unexpected type");

        public IEnumerable<KeyValuePair<string, string>> All() => throw new FormatException("the header table is malformed");
    }

    private sealed class RecordingControl : IDeliveryControl
    {
        public readonly ConcurrentQueue<DeadLetter> DeadLetters = new();
        public int Abandoned;
        public int Completed;

        public ValueTask CompleteAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Completed);
            return ValueTask.CompletedTask;
        }

        public ValueTask AbandonAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Abandoned);
            return ValueTask.CompletedTask;
        }

        public ValueTask DeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
        {
            DeadLetters.Enqueue(letter);
            return ValueTask.CompletedTask;
        }

        public ValueTask RescheduleAsync(Envelope retry, DateTimeOffset firstFailedAt, Exception error, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("An unreadable message is never retried.");
    }

    /// <summary>The in-memory transport, keeping the context the bus started it with, so the test can deliver as a wire transport would.</summary>
    private sealed class Capturing(TransportServices services, TaskCompletionSource<TransportContext> captured) : WrappedTransport(services)
    {
        public override async Task StartAsync(TransportContext context, CancellationToken cancellationToken)
        {
            await Inner.StartAsync(context, cancellationToken);
            captured.TrySetResult(context);
        }
    }
}
