using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Pipeline;
using Contracts.Storage;

namespace Contracts.Transport.InMemory;

internal sealed partial class InMemoryTransport
{
    private readonly SemaphoreSlim _claimWake = new(0);
    private int _claimWakePending;
    private int _claimAll;

    /// <summary>
    /// Claims and queues the stored rows of this process's endpoints that nobody holds: at start what was left when
    /// the process last stopped, and from then on, every third of the claim duration, the rows of a bus on the same
    /// database whose claims ran out (it crashed), oldest first, a page at a time, topped up once half of a page is handled.
    /// A claim counts a delivery of its row (<see cref="MessageRecord.Deliveries"/>): once rows claimed before and not
    /// finished come up, the endpoint gets no more claimed rows at once than it has workers, so that a message that
    /// crashes the process does not have the rows queued behind it counted with it.
    /// </summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        TimeSpan every = _claims.Duration / 3;
        try
        {
            await _storeReady.WaitAsync(cancellationToken).ConfigureAwait(false);
            using IDisposable wakeUps = _store.OnWork(StoreWork.QueueRows, WakeTakeOverAll); // rows another bus released
            long lastFull = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                Volatile.Write(ref _claimWakePending, 0);
                // Every endpoint when the store says so, and at least once per period even while settled deliveries keep waking it.
                bool all = Interlocked.Exchange(ref _claimAll, 0) == 1 || lastFull == 0 || _time.GetElapsedTime(lastFull) >= every;
                if (all)
                {
                    lastFull = _time.GetTimestamp();
                }

                int taken = 0;
                try
                {
                    await SettleLeftOversAsync(cancellationToken).ConfigureAwait(false);
                    foreach (EndpointQueue queue in _queues)
                    {
                        // A settled delivery asks only for its own endpoint: the others, found empty at their last
                        // claim, wait for the store's word or the next round instead of a round trip each.
                        if (Interlocked.Exchange(ref queue.ClaimWanted, 0) == 1 || all)
                        {
                            taken += await ClaimForAsync(queue, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    if (taken > 0)
                    {
                        Log.Recovered(_logger, taken);
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Log.StoreFailed(_logger, ex, "taking over queued messages");
                    Volatile.Write(ref _claimAll, 1); // the endpoints that asked this round ask again
                }

                await _claimWake.WaitAsync(every, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException && cancellationToken.IsCancellationRequested)
        {
            // Stopping: what was not queued stays in the store, released with the bus's other claims.
        }
    }

    /// <summary>Claims rows of <paramref name="queue"/> for its free workers, until none is left or every worker has one.</summary>
    private async ValueTask<int> ClaimForAsync(EndpointQueue queue, CancellationToken cancellationToken)
    {
        int taken = 0;
        while (ClaimRoom(queue) is var room && room > 0)
        {
            IReadOnlyList<MessageRecord> page = await _store.Queue.ClaimAsync(queue.NameSet, _claims.Next(), room, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return taken;
            }

            int free = queue.Options.MaxConcurrency - Volatile.Read(ref queue.ClaimedInFlight);

            // Pages are cheap, but a claim counts a delivery of every row in it: once rows that were claimed before and
            // never finished come up, the rest of the page goes back (which takes its counts back) and rows are claimed
            // one per free worker until a fresh one comes, so that a crash counts only against what was running.
            int keep = page.Count;
            bool suspect = AnyClaimedBefore(page);
            if (suspect && !queue.ClaimOneByOne && page.Count > Math.Max(free, 0))
            {
                keep = Math.Max(free, 0);
                await ReleaseOrKeepAsync(Slice(page, keep)).ConfigureAwait(false);
            }

            queue.ClaimOneByOne = suspect;
            for (int i = 0; i < keep; i++)
            {
                MessageRecord record = page[i];
                try
                {
                    await QueueTakenAsync(queue, record, cancellationToken).ConfigureAwait(false);
                    taken++;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // One row that cannot be queued must not strand the rest of the page; it is claimed again later.
                    Log.StoreFailed(_logger, ex, $"queuing stored message {record.MessageId}");
                    await ReleaseOrKeepAsync([record]).ConfigureAwait(false);
                }
            }
        }

        return taken;
    }

    private const int RowsPerWorker = 16;
    private const int MaxPage = 256;

    /// <summary>
    /// How many rows one claim takes: a few per worker (as a broker's prefetch), so that buses sharing a database each
    /// get a share of a backlog instead of the first one holding it all.
    /// </summary>
    private static int PageOf(EndpointQueue queue) => Math.Clamp(queue.Options.MaxConcurrency * RowsPerWorker, 1, MaxPage);

    /// <summary>
    /// How many rows the next claim of <paramref name="queue"/> may take, or 0 for none now. Pages are topped up once
    /// half of the last one is handled, so the workers still have rows while the claim is on the wire; one by one, no
    /// more than the free workers can start.
    /// </summary>
    private static int ClaimRoom(EndpointQueue queue)
    {
        int inFlight = Volatile.Read(ref queue.ClaimedInFlight);
        if (queue.ClaimOneByOne)
        {
            return queue.Options.MaxConcurrency - inFlight;
        }

        int page = PageOf(queue);
        return inFlight <= page / 2 ? page - inFlight : 0;
    }

    /// <summary>
    /// Settles the rows whose settling failed while the store was away: without this their claims would be renewed
    /// with this bus's others, and nobody would deliver them until it stopped. The first failure leaves the rest for the next round.
    /// </summary>
    private async ValueTask SettleLeftOversAsync(CancellationToken cancellationToken)
    {
        while (_unsettled.TryPeek(out (MessageRecord Record, bool Complete) left))
        {
            if (left.Complete)
            {
                await _store.Queue.CompleteAsync(left.Record, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _store.Queue.ReleaseAsync([left.Record], cancellationToken).ConfigureAwait(false);
            }

            _unsettled.TryDequeue(out _);
        }
    }

    /// <summary>
    /// Gives claimed rows back; when the store fails (it went away after the claim), keeps them for
    /// <see cref="SettleLeftOversAsync"/>, so that neither they nor the rest of their page stay claimed by this bus.
    /// </summary>
    private async ValueTask ReleaseOrKeepAsync(IReadOnlyList<MessageRecord> records)
    {
        try
        {
            await _store.Queue.ReleaseAsync(records, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.StoreFailed(_logger, ex, "giving back claimed messages (given back once the store answers)");
            for (int i = 0; i < records.Count; i++)
            {
                _unsettled.Enqueue((records[i], Complete: false));
            }
        }
    }

    /// <summary>Whether a row of <paramref name="page"/> was claimed before this claim and not finished (its count is above one).</summary>
    private static bool AnyClaimedBefore(IReadOnlyList<MessageRecord> page)
    {
        for (int i = 0; i < page.Count; i++)
        {
            if (page[i].Deliveries > 1)
            {
                return true;
            }
        }

        return false;
    }

    private static MessageRecord[] Slice(IReadOnlyList<MessageRecord> page, int from)
    {
        var rest = new MessageRecord[page.Count - from];
        for (int i = from; i < page.Count; i++)
        {
            rest[i - from] = page[i];
        }

        return rest;
    }

    /// <summary>Queues a claimed row; only one due now holds a claim slot (a delayed retry waits on a timer, not a worker).</summary>
    private async ValueTask QueueTakenAsync(EndpointQueue queue, MessageRecord record, CancellationToken cancellationToken)
    {
        if (!Catalog.TryFind(record.ContractName, record.ContractVersion, out ContractDescriptor? contract))
        {
            await DeadLetterUnknownAsync(record, cancellationToken).ConfigureAwait(false);
            return;
        }

        bool now = record.DueAt is not { } due || due <= _time.GetUtcNow();
        if (now)
        {
            Interlocked.Increment(ref queue.ClaimedInFlight);
        }

        try
        {
            await EnqueueDeliveryAsync(new InMemoryDelivery(record.ToEnvelope(contract), record, Claimed: now), queue, cancellationToken).ConfigureAwait(false);
        }
        catch when (now)
        {
            Interlocked.Decrement(ref queue.ClaimedInFlight);
            throw;
        }
    }

    /// <summary>A claimed delivery was settled: its slot is free, and the take-over claims the endpoint's next row now rather than at its next round.</summary>
    private void ClaimSettled(EndpointQueue queue)
    {
        Interlocked.Decrement(ref queue.ClaimedInFlight);
        Volatile.Write(ref queue.ClaimWanted, 1);
        WakeTakeOver();
    }

    /// <summary>Runs the take-over's next round now for every endpoint: the store says rows were released or sent.</summary>
    private void WakeTakeOverAll()
    {
        Volatile.Write(ref _claimAll, 1);
        WakeTakeOver();
    }

    /// <summary>Runs the take-over's next round now, for the endpoints that asked.</summary>
    private void WakeTakeOver()
    {
        if (Interlocked.Exchange(ref _claimWakePending, 1) == 0)
        {
            _claimWake.Release();
        }
    }

    private ValueTask DeadLetterUnknownAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        Log.UnknownContract(_logger, record.MessageId, record.ContractName, record.ContractVersion, record.Endpoint);
        ContractsTelemetry.DeadLettered.Add(1, new KeyValuePair<string, object?>("contracts.contract", record.ContractName));
        // Never thrown, so it has no frames: both details keep the same text.
        var error = new UnreadableMessageException(
            $"Contract '{record.ContractName}' version {record.ContractVersion} is not in this process's catalog: no compiled contract has that name and version.");
        return _store.DeadLetters.AddAsync(DeadLetter.From(record, DeadLetterReason.UnknownContract, error, DeadLetterDetail.Bounded, attempts: 0, _time.GetUtcNow(), _time.GetUtcNow()), cancellationToken);
    }
}
