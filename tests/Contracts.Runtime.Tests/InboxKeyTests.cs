using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Contracts.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>The inbox of a message that came as bytes trusts its payload, not its idempotency-key header.</summary>
public sealed partial class InboxKeyTests
{
    [Command] public partial record Pay([property: IdempotencyKey] Guid OrderId, decimal Amount);

    public sealed class Payments
    {
        public readonly ConcurrentQueue<Pay> Handled = new();
        public readonly SemaphoreSlim Done = new(0);
    }

    [Idempotent]
    public sealed class PayHandler(Payments payments) : ICommandHandler<Pay>
    {
        public ValueTask HandleAsync(Pay command, MessageContext context, CancellationToken cancellationToken)
        {
            payments.Handled.Enqueue(command);
            payments.Done.Release();
            return ValueTask.CompletedTask;
        }
    }

    private static Task<TestBus> StartAsync(Payments payments) => TestBus.StartAsync(
        s => s.AddSingleton(payments),
        o => o.UseInMemoryTransport(t => t.Endpoint<Pay>(e => e.Delivery = DeliveryMode.EffectivelyOnce)));

    /// <summary>The message as another process would put it on the wire: payload bytes, and whatever key header it likes.</summary>
    private static ValueTask SendRawAsync(TestBus host, Pay message, string? keyHeader)
    {
        ContractDescriptor<Pay> contract = Descriptor.Of<Pay>();
        var buffer = new ArrayBufferWriter<byte>();
        contract.Serialize(buffer, message);
        var envelope = new Envelope(contract, Guid.NewGuid()) { SentAt = DateTimeOffset.UtcNow, Payload = buffer.WrittenMemory.ToArray(), IdempotencyKey = keyHeader };
        return host.Get<ITransport>().SendAsync(envelope, endpoint: null, CancellationToken.None);
    }

    [Fact]
    public async Task A_forged_key_header_cannot_make_another_message_vanish_and_is_dead_lettered()
    {
        var payments = new Payments();
        await using TestBus host = await StartAsync(payments);
        var first = new Pay(Guid.NewGuid(), 10m);
        await host.Bus.SendAsync(first, cancellationToken: TestContext.Current.CancellationToken);
        await Wait.For(payments.Done);

        // A different order claiming the first order's key.
        var other = new Pay(Guid.NewGuid(), 99m);
        await SendRawAsync(host, other, keyHeader: Descriptor.Of<Pay>().GetIdempotencyKey(first));

        IDeadLetters deadLetters = host.Get<IDeadLetters>();
        DeadLetter? letter = null;
        for (int i = 0; i < 100 && letter is null; i++)
        {
            IReadOnlyList<DeadLetter> listed = await deadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken);
            letter = listed.Count > 0 ? listed[0] : null;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.NotNull(letter);
        Assert.Equal(DeadLetterReason.Unreadable, letter.Reason);
        Assert.Contains("does not match the key of the payload", letter.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(other.OrderId, Descriptor.Of<Pay>().DeserializeTyped(letter.Message.Payload).OrderId);
        Assert.Equal([first], payments.Handled);
    }

    [Fact]
    public async Task A_copy_without_the_key_header_is_still_a_duplicate()
    {
        var payments = new Payments();
        await using TestBus host = await StartAsync(payments);
        var order = new Pay(Guid.NewGuid(), 25m);
        await SendRawAsync(host, order, keyHeader: Descriptor.Of<Pay>().GetIdempotencyKey(order));
        await Wait.For(payments.Done);

        await SendRawAsync(host, order, keyHeader: null); // the same order again, with a new message id and no header
        var marker = new Pay(Guid.NewGuid(), 1m);
        await SendRawAsync(host, marker, keyHeader: null);
        await Wait.For(payments.Done);

        Assert.Equal([order, marker], payments.Handled);
    }
}
