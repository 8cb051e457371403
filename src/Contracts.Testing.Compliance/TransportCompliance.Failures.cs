using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Testing.Compliance;

// Retries, dead letters and unreadable messages: what a transport does with what cannot be handled.
public abstract partial class TransportCompliance<TFixture>
{
    /// <summary>
    /// A handler that always throws runs once per attempt the retry policy allows (1 immediate and 1 delayed retry: 4
    /// attempts), then the message is listed by <see cref="IDeadLetters"/> with the failure; a replay delivers it again as
    /// attempt 1 and removes it, and a purge empties the dead letters.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_failing_message_is_retried_then_dead_lettered_then_replayed_and_purged()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Poison);
        await using ComplianceBus bus = await StartAsync(log, "A", t => t.Endpoint(ComplianceEndpoints.Poison, e =>
        {
            e.Retry.ImmediateRetries = 1;
            e.Retry.DelayedRetries = 1;
            e.Retry.Delay = TimeSpan.FromMilliseconds(200);
            e.Retry.Jitter = 0;
        }));

        var replayed = Guid.NewGuid();
        var kept = Guid.NewGuid();
        var replayedMessageId = Guid.CreateVersion7();
        var keptMessageId = Guid.CreateVersion7();
        await Bounded(bus.Bus.SendAsync(new Poison(replayed), new SendOptions { MessageId = replayedMessageId }, Cancel), "the send");
        await Bounded(bus.Bus.SendAsync(new Poison(kept), new SendOptions { MessageId = keptMessageId }, Cancel), "the second send");

        await log.WaitForAsync(h => Count(h, ComplianceEndpoints.Poison, replayed) >= 4 && Count(h, ComplianceEndpoints.Poison, kept) >= 4, Timeout, "4 attempts of each message");
        List<Handled> runs = log.Of(ComplianceEndpoints.Poison, replayed);
        Assert.Equal([1, 2, 3, 4], runs.ConvertAll(h => h.Attempt));
        Assert.All(runs, h => Assert.Equal(replayedMessageId, h.MessageId));
        Assert.False(await log.TryWaitForAsync(h => Count(h, ComplianceEndpoints.Poison, replayed) > 4, s_grace), $"A fifth attempt ran.{log.Describe()}");

        DeadLetter letter = await WaitForDeadLetterAsync(bus, log, l => l.Message.MessageId == replayedMessageId, $"failed message {replayedMessageId}");
        await WaitForDeadLetterAsync(bus, log, l => l.Message.MessageId == keptMessageId, $"failed message {keptMessageId}");
        Assert.Equal(DeadLetterReason.Failed, letter.Reason);
        Assert.Equal(4, letter.Attempts);
        Assert.Equal(typeof(ComplianceFailureException).FullName, letter.ExceptionType);
        Assert.Equal(PoisonHandler.PoisonMessage(replayed), letter.ExceptionMessage);
        Assert.Equal(ComplianceEndpoints.Poison, letter.Message.Endpoint);
        Assert.Equal(ComplianceEndpoints.Poison, letter.Message.ContractName);
        Assert.Equal(1, letter.Message.ContractVersion);

        log.Healed[replayed] = true;
        Assert.True(await Bounded(bus.DeadLetters.ReplayAsync(letter.Id, Cancel), "the replay"), $"ReplayAsync did not find dead letter {letter.Id}.");
        await log.WaitForAsync(h => Count(h, ComplianceEndpoints.Poison, replayed) >= 5, Timeout, "the replayed message");
        Handled again = log.Of(ComplianceEndpoints.Poison, replayed)[4];
        Assert.Equal(1, again.Attempt);
        Assert.Equal(replayedMessageId, again.MessageId);
        Assert.Null(await Bounded(bus.DeadLetters.GetAsync(letter.Id, Cancel), "GetAsync of the replayed letter"));
        IReadOnlyList<DeadLetter> left = await Bounded(bus.DeadLetters.ListAsync(cancellationToken: Cancel), "ListAsync after the replay");
        Assert.Equal(keptMessageId, Assert.Single(left).Message.MessageId);

        Assert.Equal(1, await Bounded(bus.DeadLetters.PurgeAsync(cancellationToken: Cancel), "the purge"));
        Assert.Empty(await Bounded(bus.DeadLetters.ListAsync(cancellationToken: Cancel), "ListAsync after the purge"));
    }

    /// <summary>
    /// Bytes the contract cannot read go to dead letters as <see cref="DeadLetterReason.Unreadable"/>, counted as failed
    /// and dead-lettered by the <c>Contracts</c> meter, and the endpoint goes on with the next message.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task An_unreadable_payload_is_dead_lettered_and_the_consumer_keeps_going()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Parcel);
        using var counters = new CounterRecorder();
        await using ComplianceBus bus = await StartAsync(log, "A");

        // 0xc1 is the one byte MessagePack never uses.
        byte[] garbage = [0xc1, 0x00, 0x01];
        await Bounded(Fixture.SendUnreadableAsync(bus.Services, ComplianceEndpoints.Parcel, ComplianceEndpoints.Parcel, 1, garbage), "SendUnreadableAsync");
        var good = Guid.NewGuid();
        await Bounded(bus.Bus.SendAsync(new Parcel(good, "after the bad one"), cancellationToken: Cancel), "the good send");

        await log.WaitForAsync(h => Count(h, ComplianceEndpoints.Parcel, good) > 0, Timeout, "the good message after the unreadable one");
        Assert.Single(log.Of(ComplianceEndpoints.Parcel, good));

        // The counters are added just after the dead letter is stored: wait for them, then hold them to exactly one.
        var stopwatch = Stopwatch.StartNew();
        while ((counters.Get(CounterRecorder.Failed, ComplianceEndpoints.Parcel) == 0 || counters.Get(CounterRecorder.DeadLettered, ComplianceEndpoints.Parcel) == 0) && stopwatch.Elapsed < Timeout)
        {
            await Task.Delay(20, Cancel);
        }

        Assert.Equal(1, counters.Get(CounterRecorder.Failed, ComplianceEndpoints.Parcel));
        Assert.Equal(1, counters.Get(CounterRecorder.DeadLettered, ComplianceEndpoints.Parcel));

        DeadLetter letter = await WaitForDeadLetterAsync(bus, log, l => l.Message.Endpoint == ComplianceEndpoints.Parcel, "the unreadable message");
        Assert.Equal(DeadLetterReason.Unreadable, letter.Reason);
        Assert.Equal(ComplianceEndpoints.Parcel, letter.Message.ContractName);
        Assert.Equal(garbage, letter.Message.Payload.ToArray());
        string says = $"The payload is not a valid '{ComplianceEndpoints.Parcel}'";
        Assert.StartsWith(says, letter.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(letter.ExceptionMessage.IndexOf(says, StringComparison.Ordinal), letter.ExceptionMessage.LastIndexOf(says, StringComparison.Ordinal));
        Assert.Single(await Bounded(bus.DeadLetters.ListAsync(cancellationToken: Cancel), "ListAsync"));
    }

    /// <summary>
    /// A message that arrives past its deliver-by is not handled: with <see cref="ExpiredMessages.DeadLetter"/> it is
    /// dead-lettered with reason <see cref="DeadLetterReason.Expired"/>, and the consumer goes on with the next.
    /// </summary>
    /// <returns>The test.</returns>
    [Fact]
    public async Task A_message_past_its_deliver_by_is_dead_lettered_as_expired_and_the_consumer_keeps_going()
    {
        ComplianceLog log = await BeginAsync(ComplianceEndpoints.Parcel);
        await using ComplianceBus bus = await StartAsync(log, "A", options: o => o.ExpiredMessages = ExpiredMessages.DeadLetter);

        var late = Guid.NewGuid();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        DescriptorOf<Parcel>().Serialize(buffer, new Parcel(late, "too late"));
        await Bounded(Fixture.SendExpiredAsync(bus.Services, ComplianceEndpoints.Parcel, ComplianceEndpoints.Parcel, 1, buffer.WrittenMemory, DateTimeOffset.UtcNow.AddMinutes(-5)), "SendExpiredAsync");
        var good = Guid.NewGuid();
        await Bounded(bus.Bus.SendAsync(new Parcel(good, "in time"), cancellationToken: Cancel), "the good send");

        await log.WaitForAsync(h => Count(h, ComplianceEndpoints.Parcel, good) > 0, Timeout, "the good message after the expired one");
        DeadLetter letter = await WaitForDeadLetterAsync(bus, log, l => l.Message.Endpoint == ComplianceEndpoints.Parcel, "the expired message");
        Assert.Equal(DeadLetterReason.Expired, letter.Reason);
        Assert.Empty(log.Of(ComplianceEndpoints.Parcel, late));
    }

    private static ContractDescriptor<T> DescriptorOf<T>()
        where T : class, IContract<T> => T.Contract;
}
