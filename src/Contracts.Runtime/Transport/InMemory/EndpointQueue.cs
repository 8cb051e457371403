using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Contracts.Transport.InMemory;

/// <summary>A named, bounded in-process queue and the workers that consume it.</summary>
/// <remarks>
/// With <see cref="EndpointFullMode.Wait"/> and <see cref="EndpointFullMode.Reject"/> (the modes that never remove a
/// queued message) the queue is an unbounded channel bounded here by a counter: a send with room reserves a slot
/// with one compare-and-swap and the consumer frees it with one decrement, so producer and consumer never take a
/// shared lock (with one consumer the channel itself takes none either). A producer that finds the queue full
/// registers and waits; a consumer that frees a slot while producers wait wakes them all at once through one shared
/// task, and a woken producer that finds the slots taken again waits again. While producers wait, a new send takes
/// their path (register, then check) instead of the fast one, so it competes with them for a freed slot rather than
/// skipping past them; there is no first-come order among waiting producers. The drop modes remove a queued message
/// to make room, which needs the bounded channel's lock: they use it.
/// <para>
/// When the endpoint's contract has a partition key (<see cref="Ordered"/>), the queue is split into one lane per
/// worker, each its own single-reader channel, and a delivery goes to lane <c>hash(key) % MaxConcurrency</c>: a key's
/// messages are handled by one worker in the order they were queued, other lanes run in parallel. The counted modes
/// keep one counter for all lanes, so <see cref="EndpointOptions.Capacity"/> bounds the endpoint as before; the drop
/// modes bound each lane to its share of the capacity (rounded up) and drop within the lane. A delayed retry parks
/// its key in its lane (see <c>EndpointQueue.Lanes.cs</c>): the key's later messages wait, the lane's other keys go on.
/// </para>
/// <para>
/// With <see cref="EndpointOptions.MaxPriority"/> the one lane is a prioritized channel ordered by rank (see
/// <c>EndpointQueue.Priority.cs</c>), bounded by the counter as above.
/// </para>
/// </remarks>
internal sealed partial class EndpointQueue
{
    private readonly Channel<InMemoryDelivery>[] _lanes;
    private readonly InMemoryDelivery?[] _held;
    private readonly System.Collections.Concurrent.ConcurrentQueue<InMemoryDelivery>[] _resumed;
    private readonly bool _counted;
    private readonly int _capacity;
    private readonly object _gate = new();
    private int _count;
    private int _blockedWriters;
    private TaskCompletionSource? _room;
    private Task[] _workers = [];
    private bool _closed;

    public EndpointQueue(TransportEndpoint endpoint, IDeliveryControl control, Action<EndpointQueue, InMemoryDelivery> onDropped)
    {
        Endpoint = endpoint;
        NameSet = [endpoint.Name];
        Control = control;
        EndpointOptions options = endpoint.Options;
        _capacity = options.Capacity;
        _counted = options.FullMode is EndpointFullMode.Wait or EndpointFullMode.Reject;
        Ordered = endpoint.HasPartitionKey;
        _maxPriority = (byte)options.MaxPriority;
        _priorityBoost = options.PriorityBoost;
        int lanes = Ordered ? options.MaxConcurrency : 1;
        bool singleReader = Ordered || options.MaxConcurrency == 1;
        _lanes = new Channel<InMemoryDelivery>[lanes];
        _held = new InMemoryDelivery?[lanes];
        _resumed = new System.Collections.Concurrent.ConcurrentQueue<InMemoryDelivery>[Ordered ? lanes : 0];
        for (int i = 0; i < lanes; i++)
        {
            if (Ordered)
            {
                _resumed[i] = new System.Collections.Concurrent.ConcurrentQueue<InMemoryDelivery>();
            }

            if (_maxPriority > 0)
            {
                _lanes[i] = CreatePriorityLane(singleReader);
            }
            else if (_counted)
            {
                _lanes[i] = Channel.CreateUnbounded<InMemoryDelivery>(new UnboundedChannelOptions
                {
                    SingleReader = singleReader,
                    SingleWriter = false,
                    AllowSynchronousContinuations = false,
                });
            }
            else
            {
                var channelOptions = new BoundedChannelOptions((options.Capacity + lanes - 1) / lanes)
                {
                    FullMode = options.FullMode == EndpointFullMode.DropOldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.DropNewest,
                    SingleReader = singleReader,
                    SingleWriter = false,
                    AllowSynchronousContinuations = false,
                };
                // A dropped wake-up marker carries no message (see Resume): nothing was lost.
                _lanes[i] = Channel.CreateBounded<InMemoryDelivery>(channelOptions, delivery =>
                {
                    if (!delivery.Resumed)
                    {
                        onDropped(this, delivery);
                    }
                });
            }
        }
    }

    /// <summary>Whether the endpoint keeps order per partition key: its contract has one (one lane per worker).</summary>
    public bool Ordered { get; }

    public TransportEndpoint Endpoint { get; }

    public string Name => Endpoint.Name;

    /// <summary>The endpoint's name as the one-name set a store claim takes.</summary>
    public string[] NameSet { get; }

    /// <summary>
    /// Stored rows claimed for this endpoint and not yet settled. The take-over tops a page up once half of it is
    /// settled; with <see cref="ClaimOneByOne"/> it claims no more than the free workers can start, because a claim counts
    /// as a delivery (<see cref="Storage.MessageRecord.Deliveries"/>): rows claimed ahead would be counted for every
    /// crash of the message in front of them.
    /// </summary>
    public int ClaimedInFlight;

    /// <summary>
    /// Whether the take-over claims one row per free worker (rows claimed before and not finished are coming up: one
    /// of them may be a message that takes the process down) rather than whole pages. Read and written by the take-over loop only.
    /// </summary>
    public bool ClaimOneByOne;

    /// <summary>1 when a claimed delivery of this endpoint settled since the take-over last claimed for it (its next round claims for it).</summary>
    public int ClaimWanted;

    public EndpointOptions Options => Endpoint.Options;

    /// <summary>Settles deliveries that were never stored: one object for every such delivery of the endpoint.</summary>
    public IDeliveryControl Control { get; }

    /// <summary>
    /// How many deliveries are queued and not taken by a worker yet: the reserved slots in the counted modes (exact,
    /// one read), the bounded channel's count in the drop modes.
    /// </summary>
    public int Backlog => _counted ? Math.Max(0, Volatile.Read(ref _count)) : LaneCount();

    private int LaneCount()
    {
        int count = 0;
        foreach (Channel<InMemoryDelivery> lane in _lanes)
        {
            count += lane.Reader.Count;
        }

        return count;
    }

    /// <summary>
    /// The partition key's hash of <paramref name="delivery"/>. A message carried as bytes only (taken over from the
    /// store, or with serialization forced) is read for its key; one that cannot be read gets 0, and the pipeline
    /// dead-letters it.
    /// </summary>
    private static ulong KeyOf(InMemoryDelivery delivery) => delivery.Envelope.Contract.PartitionKeyOf(delivery.Envelope);

    /// <summary>The lane of <paramref name="delivery"/>, whose <see cref="InMemoryDelivery.Key"/> is set on an ordered endpoint.</summary>
    private Channel<InMemoryDelivery> LaneFor(ref InMemoryDelivery delivery)
    {
        if (!Ordered)
        {
            if (_maxPriority > 0)
            {
                delivery = delivery with { Rank = RankOf(delivery.Envelope) };
            }

            return _lanes[0];
        }

        ulong key = KeyOf(delivery);
        delivery = delivery with { Key = key };
        return _lanes[(int)(key % (ulong)_lanes.Length)];
    }

    private int LaneIndexOf(ulong key) => (int)(key % (ulong)_lanes.Length);

    /// <summary>
    /// Keeps a delayed retry of the message its lane's worker is handling now (only that worker reschedules it, from
    /// within the handling): once the handling returns, the worker parks the key and the retry waits for its time.
    /// </summary>
    public void Hold(InMemoryDelivery delivery)
    {
        ulong key = KeyOf(delivery);
        _held[LaneIndexOf(key)] = delivery with { Key = key };
    }

    /// <summary>Queues a delivery: at once when there is room, else as the endpoint's full mode says.</summary>
    public ValueTask WriteAsync(InMemoryDelivery delivery, CancellationToken cancellationToken)
    {
        if (!_counted)
        {
            // The drop modes always make room: a write fails only when the endpoint is closed.
            return LaneFor(ref delivery).Writer.TryWrite(delivery) ? ValueTask.CompletedTask : ValueTask.FromException(new ChannelClosedException());
        }

        if (Volatile.Read(ref _blockedWriters) == 0 && TryReserve())
        {
            return Enqueue(delivery);
        }

        if (Volatile.Read(ref _closed))
        {
            return ValueTask.FromException(new ChannelClosedException());
        }

        if (Options.FullMode == EndpointFullMode.Reject)
        {
            return ValueTask.FromException(new EndpointFullException(Name, Options.Capacity));
        }

        return WriteWhenRoomAsync(delivery, cancellationToken);
    }

    /// <summary>Takes a slot if one is free; never counts past the capacity, even for an instant.</summary>
    private bool TryReserve()
    {
        int count = Volatile.Read(ref _count);
        while (count < _capacity)
        {
            int seen = Interlocked.CompareExchange(ref _count, count + 1, count);
            if (seen == count)
            {
                return true;
            }

            count = seen;
        }

        return false;
    }

    private ValueTask Enqueue(InMemoryDelivery delivery)
    {
        if (LaneFor(ref delivery).Writer.TryWrite(delivery))
        {
            return ValueTask.CompletedTask;
        }

        Interlocked.Decrement(ref _count); // closed: the slot is given back
        return ValueTask.FromException(new ChannelClosedException());
    }

    private async ValueTask WriteWhenRoomAsync(InMemoryDelivery delivery, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task room;
            lock (_gate)
            {
                _blockedWriters++;
                room = (_room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            bool reserved;
            try
            {
                // Registered first, checked second: a consumer that freed a slot before it could see this writer
                // left room that this check finds; one that frees it after sees the writer and wakes it. The fence
                // keeps the check from being read before the registration is visible (a lock's exit does not promise that).
                Interlocked.MemoryBarrier();
                reserved = TryReserve();
                if (!reserved && !Volatile.Read(ref _closed))
                {
                    await room.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                lock (_gate)
                {
                    _blockedWriters--;
                }
            }

            if (reserved)
            {
                await Enqueue(delivery).ConfigureAwait(false);
                return;
            }

            if (Volatile.Read(ref _closed))
            {
                throw new ChannelClosedException();
            }
        }
    }

    /// <summary>A consumer took a delivery: its slot is free for a waiting producer.</summary>
    /// <remarks>
    /// Between a wake-up and the woken producers registering again there is no task to complete: the read sees that
    /// without the lock, so a consumer behind a full queue does not take a lock per message. A producer that
    /// registers meanwhile creates the task, then looks for room; the decrement above is a full fence, as is the
    /// producer's after it registers, so either this read sees its task or its look sees this slot.
    /// </remarks>
    private void Dequeued()
    {
        Interlocked.Decrement(ref _count);
        if (Volatile.Read(ref _blockedWriters) > 0 && Volatile.Read(ref _room) is not null)
        {
            WakeWriters();
        }
    }

    /// <summary>
    /// Wakes every waiting producer. Until they have run, later reads find no task to complete and take the lock only
    /// to see that: the producers are woken once per burst of reads, not once per read.
    /// </summary>
    private void WakeWriters()
    {
        TaskCompletionSource? room;
        lock (_gate)
        {
            room = _room;
            _room = null;
        }

        room?.TrySetResult();
    }

    /// <param name="process">Handles one delivery.</param>
    /// <param name="resumeLater">On an ordered endpoint: waits for a parked retry's due time, then <see cref="Resume"/>s it (or settles it as stopped).</param>
    /// <param name="abandon">On an ordered endpoint: settles a parked message left when the lane ends (the bus stopped without time for it).</param>
    public void Start(Func<EndpointQueue, InMemoryDelivery, ValueTask> process, Action<EndpointQueue, InMemoryDelivery> resumeLater, Action<EndpointQueue, InMemoryDelivery> abandon)
    {
        var workers = new Task[Options.MaxConcurrency];

        // Workers live as long as the bus: they must not carry the starting code's ambient state (its Activity,
        // AsyncLocal values, culture) into every handler they ever run.
        using (ExecutionContext.SuppressFlow())
        {
            for (int i = 0; i < workers.Length; i++)
            {
                int lane = i;
                workers[i] = Ordered
                    ? Task.Run(() => ConsumeLaneAsync(lane, process, resumeLater, abandon))
                    : Task.Run(() => ConsumeAsync(process));
            }
        }

        _workers = workers;
    }

    /// <summary>Accepts no more deliveries; the workers finish what is queued and end, and waiting producers fail.</summary>
    public void Complete()
    {
        Volatile.Write(ref _closed, true);
        foreach (Channel<InMemoryDelivery> lane in _lanes)
        {
            lane.Writer.TryComplete();
        }

        WakeWriters();
    }

    public Task Completion => Task.WhenAll(_workers);

    private async Task ConsumeAsync(Func<EndpointQueue, InMemoryDelivery, ValueTask> process)
    {
        ChannelReader<InMemoryDelivery> reader = _lanes[0].Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out InMemoryDelivery delivery))
            {
                if (_counted)
                {
                    Dequeued();
                }

                await process(this, delivery).ConfigureAwait(false);
            }
        }
    }
}
