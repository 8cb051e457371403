using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Storage;

namespace Contracts.Runtime.Tests.Projections;

/// <summary>A custom event log written before leases existed still compiles, and its lease calls say what is missing.</summary>
public sealed class LeaseDefaultTests
{
    [Fact]
    public async Task An_event_log_without_leases_refuses_every_lease_call_naming_itself_and_what_to_do()
    {
        IEventLogStore log = new LogWithoutLeases();
        var claim = new StoreClaim("owner", DateTimeOffset.UtcNow.AddMinutes(1));

        NotSupportedException acquire = await Assert.ThrowsAsync<NotSupportedException>(async () => await log.AcquireLeaseAsync("summaries", claim, takeOver: false, default));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await log.RenewLeaseAsync("summaries", 1, claim.Until, default));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await log.ReleaseLeaseAsync("summaries", 1, default));
        await Assert.ThrowsAsync<NotSupportedException>(async () => await log.HoldsLeaseAsync(null!, "summaries", 1, default));

        Assert.Contains("LogWithoutLeases has no leases", acquire.Message, StringComparison.Ordinal);
        Assert.Contains("implement IEventLogStore's lease members", acquire.Message, StringComparison.Ordinal);
    }

    /// <summary>A working event log (the in-memory one, forwarded to) that implements none of the lease members.</summary>
    private sealed class LogWithoutLeases : IEventLogStore
    {
        private readonly IEventLogStore _inner = new InMemoryMessageStore(100, TimeProvider.System).Events;

        public ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<EventRecord> events, IReadOnlyList<MessageRecord>? publish, CancellationToken cancellationToken) =>
            _inner.AppendAsync(streamId, expected, events, publish, cancellationToken);

        public ValueTask<IReadOnlyList<EventRecord>> ReadStreamAsync(string streamId, long fromVersion, ReadDirection direction, int maxCount, CancellationToken cancellationToken) =>
            _inner.ReadStreamAsync(streamId, fromVersion, direction, maxCount, cancellationToken);

        public ValueTask<IReadOnlyList<EventRecord>> ReadAllAsync(long fromPosition, int maxCount, CancellationToken cancellationToken) => _inner.ReadAllAsync(fromPosition, maxCount, cancellationToken);

        public ValueTask<StreamState> GetStreamAsync(string streamId, CancellationToken cancellationToken) => _inner.GetStreamAsync(streamId, cancellationToken);

        public ValueTask<long> ReadHeadPositionAsync(CancellationToken cancellationToken) => _inner.ReadHeadPositionAsync(cancellationToken);

        public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken) => _inner.DeleteStreamAsync(streamId, expected, cancellationToken);

        public ValueTask<long> ReadCheckpointAsync(string subscription, CancellationToken cancellationToken) => _inner.ReadCheckpointAsync(subscription, cancellationToken);

        public ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken) => _inner.SaveCheckpointAsync(subscription, position, cancellationToken);
    }
}
