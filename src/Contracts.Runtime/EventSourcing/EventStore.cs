using System;
using System.Buffers;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.EventSourcing;

/// <summary>
/// <see cref="IEventStore"/> over the bus store's <see cref="IEventLogStore"/>: events are written with their
/// contracts' generated formatters and read back through the compiled catalog (no CLR type names are stored), and
/// published to the bus's subscribers (through the outbox in the append's transaction when the store is durable).
/// </summary>
internal sealed partial class EventStore(ContractsRuntime runtime, ContractCatalog catalog, TimeProvider time, Microsoft.Extensions.DependencyInjection.IServiceScopeFactory? scopes = null) : IEventStore
{
    /// <summary>How many events one read of the log fetches.</summary>
    private const int PageSize = 256;

    /// <summary>Completed (and replaced) after every append in this process: live subscriptions wait on it.</summary>
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>1 once the store's wake-up for appends is registered.</summary>
    private int _listening;

    public async ValueTask<long> AppendAsync(string streamId, ExpectedVersion expected, IReadOnlyList<IEvent> events, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        CheckStreamId(streamId);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException($"An append to stream '{streamId}' needs at least one event.", nameof(events));
        }

        Guid correlation = options?.CorrelationId ?? MessageIds.NewVersion7(time.GetUtcNow());
        var records = new EventRecord[events.Count];
        var buffer = new ArrayBufferWriter<byte>(256);
        for (int i = 0; i < records.Length; i++)
        {
            IEvent @event = events[i] ?? throw new ArgumentException($"Event {i} of the append to stream '{streamId}' is null.", nameof(events));
            ContractDescriptor contract = @event.Descriptor;
            buffer.ResetWrittenCount();
            contract.Serialize(buffer, @event);
            records[i] = new EventRecord
            {
                StreamId = streamId,
                EventId = MessageIds.NewVersion7(time.GetUtcNow()),
                ContractName = contract.Name,
                ContractVersion = contract.Version,
                CorrelationId = correlation,
                CausationId = options?.CausationId,
                Headers = options?.Headers,
                Payload = buffer.WrittenSpan.ToArray(),
            };
        }

        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        bool publish = options?.Publish ?? true;
        Pipeline.ConsumeContext? within = options?.Within;
        bool inline = InlineReads(records);
        if (inline || within is not null)
        {
            return await AppendInTransactionAsync(log, within, inline, streamId, expected, events, records, publish, cancellationToken).ConfigureAwait(false);
        }

        if (!publish)
        {
            long unpublished = await log.AppendAsync(streamId, expected, records, publish: null, cancellationToken).ConfigureAwait(false);
            SignalAppended();
            return unpublished;
        }

        if (runtime.DurableStore)
        {
            var outbox = new MessageRecord[records.Length];
            for (int i = 0; i < outbox.Length; i++)
            {
                outbox[i] = runtime.Bus.CreateAppendedRecord(events[i], records[i]);
            }

            long stored = await log.AppendAsync(streamId, expected, records, outbox, cancellationToken).ConfigureAwait(false);
            runtime.WakeRelay();
            SignalAppended();
            return stored;
        }

        long version = await log.AppendAsync(streamId, expected, records, publish: null, cancellationToken).ConfigureAwait(false);
        SignalAppended();
        for (int i = 0; i < records.Length; i++)
        {
            EventRecord record = records[i];
            await runtime.Bus.PublishAppendedAsync(events[i], record.EventId, record.CorrelationId, record.CausationId, record.Headers, cancellationToken).ConfigureAwait(false);
        }

        return version;
    }

    public IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, long fromVersion = 1, long maxCount = long.MaxValue, CancellationToken cancellationToken = default)
    {
        CheckStreamId(streamId);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromVersion, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return ReadStreamPagesAsync(streamId, fromVersion, ReadDirection.Forwards, maxCount, within: null, cancellationToken);
    }

    public IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, MessageContext context, long fromVersion = 1, long maxCount = long.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ReadStreamAsync(streamId, fromVersion, maxCount, (MessageContext?)context, cancellationToken);
    }

    /// <summary>
    /// <see cref="ReadStreamAsync(string, long, long, CancellationToken)"/> inside the consume transaction of the delivery
    /// of <paramref name="context"/>, where it has one: what it appended so far is seen (an aggregate loaded to be changed
    /// in an EffectivelyOnce handler or a saga step).
    /// </summary>
    internal IAsyncEnumerable<RecordedEvent> ReadStreamAsync(string streamId, long fromVersion, long maxCount, MessageContext? context, CancellationToken cancellationToken)
    {
        CheckStreamId(streamId);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromVersion, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return ReadStreamPagesAsync(streamId, fromVersion, ReadDirection.Forwards, maxCount, context?.Transactional, cancellationToken);
    }

    public IAsyncEnumerable<RecordedEvent> ReadStreamBackwardsAsync(string streamId, long fromVersion = long.MaxValue, long maxCount = long.MaxValue, CancellationToken cancellationToken = default)
    {
        CheckStreamId(streamId);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromVersion, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return ReadStreamPagesAsync(streamId, fromVersion, ReadDirection.Backwards, maxCount, within: null, cancellationToken);
    }

    public async IAsyncEnumerable<RecordedEvent> ReadAllAsync(long fromPosition = 1, long maxCount = long.MaxValue, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromPosition, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        long next = fromPosition, left = maxCount;
        while (left > 0)
        {
            IReadOnlyList<EventRecord> page = await log.ReadAllAsync(next, (int)Math.Min(left, PageSize), cancellationToken).ConfigureAwait(false);
            foreach (EventRecord record in page)
            {
                yield return Read(record);
            }

            if (page.Count < Math.Min(left, PageSize))
            {
                yield break;
            }

            left -= page.Count;
            next = page[^1].Position + 1;
        }
    }

    public async IAsyncEnumerable<RecordedEvent> SubscribeToAllAsync(long fromPosition = 1, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fromPosition, 1);
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        TimeSpan poll = runtime.Options.EventPollInterval;
        long next = fromPosition;
        while (true)
        {
            // Taken before the read: an append that lands after the read completes this one, so no wake is missed.
            Task appended = Volatile.Read(ref _appended).Task;
            IReadOnlyList<EventRecord> page = await log.ReadAllAsync(next, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (EventRecord record in page)
            {
                yield return Read(record);
            }

            if (page.Count > 0)
            {
                next = page[^1].Position + 1;
                if (page.Count == PageSize)
                {
                    continue; // still catching up
                }
            }

            try
            {
                await appended.WaitAsync(poll, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Look again: another process may have appended.
            }
        }
    }

    public async ValueTask<long> ReadCheckpointAsync(string subscription, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subscription);
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        return await log.ReadCheckpointAsync(subscription, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SaveCheckpointAsync(string subscription, long position, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subscription);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        await log.SaveCheckpointAsync(subscription, position, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<StreamState> GetStreamAsync(string streamId, CancellationToken cancellationToken = default)
    {
        CheckStreamId(streamId);
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        return await log.GetStreamAsync(streamId, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<long> ReadHeadPositionAsync(CancellationToken cancellationToken = default)
    {
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        return await log.ReadHeadPositionAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken = default) =>
        CloseStreamAsync(streamId, expected, archive: false, context: null, cancellationToken);

    public ValueTask DeleteStreamAsync(string streamId, ExpectedVersion expected, MessageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CloseStreamAsync(streamId, expected, archive: false, context, cancellationToken);
    }

    public ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, CancellationToken cancellationToken = default) =>
        CloseStreamAsync(streamId, expected, archive: true, context: null, cancellationToken);

    public ValueTask ArchiveStreamAsync(string streamId, ExpectedVersion expected, MessageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CloseStreamAsync(streamId, expected, archive: true, context, cancellationToken);
    }

    /// <summary>Deletes or archives a stream: in the consume transaction of <paramref name="context"/>'s delivery where it has one, else at once.</summary>
    private async ValueTask CloseStreamAsync(string streamId, ExpectedVersion expected, bool archive, MessageContext? context, CancellationToken cancellationToken)
    {
        CheckStreamId(streamId);
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        Pipeline.ConsumeContext? within = context?.Transactional;
        if (within is null)
        {
            await (archive ? log.ArchiveStreamAsync(streamId, expected, cancellationToken) : log.DeleteStreamAsync(streamId, expected, cancellationToken)).ConfigureAwait(false);
            return;
        }

        await using IEventLogTransaction joined = await log.JoinAsync(within.Transaction!, cancellationToken).ConfigureAwait(false);
        await (archive ? joined.ArchiveStreamAsync(streamId, expected, cancellationToken) : joined.DeleteStreamAsync(streamId, expected, cancellationToken)).ConfigureAwait(false);
        await joined.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async IAsyncEnumerable<RecordedEvent> ReadStreamPagesAsync(string streamId, long fromVersion, ReadDirection direction, long maxCount, Pipeline.ConsumeContext? within, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IEventLogStore log = await LogAsync().ConfigureAwait(false);
        await using IEventLogTransaction? joined = within is null ? null : await log.JoinAsync(within.Transaction!, cancellationToken).ConfigureAwait(false);
        long next = fromVersion, left = maxCount;
        while (left > 0)
        {
            int want = (int)Math.Min(left, PageSize);
            IReadOnlyList<EventRecord> page = joined is null
                ? await log.ReadStreamAsync(streamId, next, direction, want, cancellationToken).ConfigureAwait(false)
                : await joined.ReadStreamAsync(streamId, next, direction, want, cancellationToken).ConfigureAwait(false);
            foreach (EventRecord record in page)
            {
                yield return Read(record);
            }

            long last = page.Count == 0 ? 0 : page[^1].StreamVersion;
            if (page.Count < want || (direction == ReadDirection.Backwards && last <= 1))
            {
                break;
            }

            left -= page.Count;
            next = direction == ReadDirection.Forwards ? last + 1 : last - 1;
        }

        if (joined is not null)
        {
            await joined.CommitAsync(cancellationToken).ConfigureAwait(false); // nothing written: ends its savepoint
        }
    }

    /// <summary>Completes at the next append this process makes or the store hears of: taken before a read, so no wake is missed.</summary>
    internal Task Appended => Volatile.Read(ref _appended).Task;

    /// <summary>Wakes the live subscriptions of this process.</summary>
    internal void SignalAppended() =>
        Interlocked.Exchange(ref _appended, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>The store's event log once the bus has opened the store, listening for other processes' appends.</summary>
    internal ValueTask<IEventLogStore> OpenLogAsync() => LogAsync();

    /// <summary>The store's event log once the bus has opened the store.</summary>
    private async ValueTask<IEventLogStore> LogAsync()
    {
        await runtime.StoreReadyAsync().ConfigureAwait(false);
        if (Volatile.Read(ref _listening) == 0 && Interlocked.Exchange(ref _listening, 1) == 0)
        {
            // Appends of other processes, where the store hears of them (PostgreSQL's NOTIFY): live subscriptions wake at once.
            _ = runtime.Store.OnWork(StoreWork.EventsAppended, SignalAppended);
        }

        return runtime.Store.Events;
    }

    /// <summary>Reads a record of the log for projection <paramref name="projection"/> (see <see cref="Read"/>).</summary>
    internal RecordedEvent Decode(EventRecord record, string projection)
    {
        try
        {
            return Read(record);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"Projection '{projection}' stopped: {ex.Message}", ex);
        }
    }

    private RecordedEvent Read(EventRecord record)
    {
        if (!catalog.TryFind(record.ContractName, record.ContractVersion, out ContractDescriptor? contract) || contract.Kind != MessageKind.Event)
        {
            throw new InvalidOperationException(
                $"The event at position {record.Position} ({record.StreamId} version {record.StreamVersion}) is '{record.ContractName}' " +
                $"version {record.ContractVersion}, which is not an event contract of this application. Reference the assembly that " +
                "declares it (the contract catalog is compiled), or read the log where that contract is known.");
        }

        IEvent @event;
        try
        {
            @event = (IEvent)contract.Deserialize(record.Payload);
        }
        catch (MessagePack.MessagePackSerializationException ex)
        {
            throw new InvalidOperationException(
                $"The event at position {record.Position} ({record.StreamId} version {record.StreamVersion}) could not be read as " +
                $"'{contract}': {ex.Message}", ex);
        }

        return new RecordedEvent(@event, record.StreamId, record.StreamVersion, record.Position, record.EventId, record.CorrelationId, record.CausationId, record.RecordedAt, record.Headers);
    }

    private static void CheckStreamId(string streamId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamId);
        if (streamId.Length > 200)
        {
            throw new ArgumentException($"Stream id '{streamId[..40]}...' is {streamId.Length} characters long; at most 200 are allowed.", nameof(streamId));
        }
    }
}
