using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts.Runtime.Tests;

/// <summary>Deliver-by and deliver-at headers from the wire: an expired message leaves a trace, a far-off one is not parked for ever.</summary>
public sealed partial class HostileEnvelopeTests
{
    [Fact]
    public async Task An_expired_command_is_dropped_unhandled_and_counted_by_default()
    {
        using var counters = new CounterRecorder();
        (RecordingControl control, int handled) = await ReceiveAsync(e => e.DeliverBy = DateTimeOffset.UtcNow.AddMinutes(-1));

        Assert.Equal(1, control.Completed);
        Assert.Empty(control.DeadLetters);
        Assert.Equal(0, handled);
        Assert.Equal(1, counters.Get("contracts.messages.expired", Descriptor.Of<Guarded>()));
    }

    [Fact]
    public async Task An_expired_command_is_dead_lettered_when_the_options_say_so()
    {
        (RecordingControl control, int handled) = await ReceiveAsync(e => e.DeliverBy = DateTimeOffset.UtcNow.AddMinutes(-1), o => o.ExpiredMessages = ExpiredMessages.DeadLetter);

        DeadLetter letter = Assert.Single(control.DeadLetters);
        Assert.Equal(DeadLetterReason.Expired, letter.Reason);
        Assert.Equal(typeof(TimeoutException).FullName, letter.ExceptionType);
        Assert.Contains("had to be delivered by", letter.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task A_message_due_thousands_of_years_ahead_is_dead_lettered_not_parked()
    {
        (RecordingControl control, int handled) = await ReceiveAsync(e => e.DeliverAt = DateTimeOffset.UtcNow.AddYears(5000));

        DeadLetter letter = Assert.Single(control.DeadLetters);
        Assert.Equal(DeadLetterReason.DelayTooLong, letter.Reason);
        Assert.Contains("MaxDeliveryDelay", letter.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(0, handled);
    }

    [Fact]
    public async Task A_message_due_within_the_horizon_and_one_not_expired_are_handled()
    {
        (RecordingControl control, int handled) = await ReceiveAsync(e =>
        {
            e.DeliverAt = DateTimeOffset.UtcNow.AddDays(-1); // due already: the transport delivered it
            e.DeliverBy = DateTimeOffset.UtcNow.AddMinutes(1);
        });

        Assert.Empty(control.DeadLetters);
        Assert.Equal(1, handled);
    }

    [Fact]
    public async Task A_send_further_ahead_than_the_horizon_is_refused()
    {
        await using TestBus host = await TestBus.StartAsync(configure: o => o.MaxDeliveryDelay = TimeSpan.FromDays(30));

        ArgumentOutOfRangeException refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await host.Bus.SendAsync(new Guarded(Guid.NewGuid()), new SendOptions { Delay = TimeSpan.FromDays(31) }, TestContext.Current.CancellationToken));
        Assert.Contains("MaxDeliveryDelay", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await host.Bus.SendAsync(new Guarded(Guid.NewGuid()), new SendOptions { DeliverAt = DateTimeOffset.UtcNow.AddYears(1) }, TestContext.Current.CancellationToken));
        await host.Bus.SendAsync(new Guarded(Guid.NewGuid()), new SendOptions { Delay = TimeSpan.FromDays(29) }, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_horizon_of_zero_or_less_or_a_negative_crash_limit_is_refused_at_start()
    {
        ArgumentOutOfRangeException horizon = await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(async () =>
            await TestBus.StartAsync(configure: o => o.MaxDeliveryDelay = TimeSpan.FromDays(-1)));
        Assert.Equal("MaxDeliveryDelay", horizon.ParamName);
        ArgumentOutOfRangeException crashes = await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(async () =>
            await TestBus.StartAsync(configure: o => o.MaxUnfinishedDeliveries = -1));
        Assert.Equal("MaxUnfinishedDeliveries", crashes.ParamName);
    }

    /// <summary>Delivers one <see cref="Guarded"/> as a wire transport would, its envelope shaped by <paramref name="shape"/>; returns how many handler runs it caused.</summary>
    private static async Task<(RecordingControl Control, int Handled)> ReceiveAsync(Action<Envelope> shape, Action<ContractsOptions>? configure = null)
    {
        var captured = new TaskCompletionSource<TransportContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TestBus host = await TestBus.StartAsync(configure: o =>
        {
            o.UseTransport(new InMemoryTransportOptions(), services => new Capturing(services, captured));
            configure?.Invoke(o);
        });
        TransportContext context = await Wait.For(captured.Task);
        ContractDescriptor<Guarded> contract = Descriptor.Of<Guarded>();
        var message = new Guarded(Guid.NewGuid());
        var payload = new System.Buffers.ArrayBufferWriter<byte>();
        contract.Serialize(payload, message);
        var envelope = new Envelope(contract, Guid.NewGuid()) { SentAt = DateTimeOffset.UtcNow, IdempotencyKey = contract.GetIdempotencyKey(message) };
        shape(envelope);
        var headers = new DictionaryHeaders();
        EnvelopeCodec.Write(envelope, headers);
        var control = new RecordingControl();
        int before = Volatile.Read(ref GuardedHandler.Handled);

        await context.Receiver.ReceiveAsync(Find(context, contract), headers, payload.WrittenMemory, control, TestContext.Current.CancellationToken);

        return (control, Volatile.Read(ref GuardedHandler.Handled) - before);
    }

    private sealed class DictionaryHeaders : IHeaderReader, IHeaderWriter
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

        public string? Get(string name) => _values.GetValueOrDefault(name);

        public IEnumerable<KeyValuePair<string, string>> All() => _values;

        public void Set(string name, string value) => _values[name] = value;
    }
}
