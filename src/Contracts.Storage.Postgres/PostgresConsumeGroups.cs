using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Group commit for the consume transactions of EffectivelyOnce deliveries. A lane is one connection and, while a group
/// is open on it, one transaction; a delivery takes a turn on a lane (its inbox key, its handler's SQL and its outbox
/// rows run in a savepoint of its own), and when it ends the turn goes to the next delivery waiting, in the same
/// transaction, or, when none waits or the group is full, the delivery that ends it commits the group: one commit for
/// all its deliveries, and none is acknowledged before it. A delivery that fails rolls back to its savepoint only. A
/// lone delivery waits for nobody: it is a group of one (three round trips, as a transaction of its own would be).
/// </summary>
/// <remarks>
/// Turns serialize the handlers of one lane, so a few lanes run side by side (<see cref="BaseLanes"/>). A handler that
/// waits on something else than its SQL holds its lane meanwhile; when deliveries wait and no turn was handed out for
/// <see cref="Stalled"/>, the watchdog opens another lane (up to <see cref="MaxLanes"/>), which closes again once
/// nothing waits, so slow handlers still run <c>MaxConcurrency</c> at once. The coordinator's state (free lanes,
/// waiting deliveries, lane count) changes together, under one short lock: a channel of free lanes and one of waiters
/// would lose a wake-up between a waiter's enqueue and a lane's return.
/// </remarks>
internal sealed partial class PostgresConsumeGroups : IAsyncDisposable
{
    /// <summary>Lanes that stay open: two keep the two sides of a round trip busy (one lane's handler runs while the other's statement is on the server).</summary>
    internal const int BaseLanes = 2;

    /// <summary>Lanes at most, watchdog's included; each holds a pooled connection.</summary>
    internal const int MaxLanes = 64;

    /// <summary>
    /// Deliveries per group at most. Each savepoint that writes is a subtransaction, and PostgreSQL caches 64 of them per
    /// transaction; past that every other session's snapshot checks look them up on disk (subtransaction overflow).
    /// </summary>
    internal const int MaxMembers = 32;

    /// <summary>How long deliveries may wait while no lane hands out a turn before the watchdog opens another lane.</summary>
    internal static readonly TimeSpan Stalled = TimeSpan.FromMilliseconds(10);

    /// <summary>The savepoint of each delivery; released or rolled back before the next one is set, so they never nest.</summary>
    internal const string Savepoint = "contracts_delivery";

    private const string SetSavepoint = "SAVEPOINT " + Savepoint;
    private const string ReleaseSavepoint = "RELEASE SAVEPOINT " + Savepoint;
    private const string RollbackSavepoint = "ROLLBACK TO SAVEPOINT " + Savepoint;

    /// <summary>Keys whose last attempt failed in a group: their next attempt runs in a transaction of its own, so it cannot fail again for another delivery's locks.</summary>
    private readonly ConcurrentDictionary<(string Endpoint, string Key), byte> _alone = new();

    private readonly PostgresMessageStore _store;
    private readonly Lock _gate = new();
    private readonly Stack<Lane> _free = new();
    private readonly Queue<TaskCompletionSource<Lane>> _waiting = new();
    private readonly Timer _watchdog;
    private int _lanes;
    private long _lastGrant;
    private bool _watching;
    private bool _disposed;

    public PostgresConsumeGroups(PostgresMessageStore store)
    {
        _store = store;
        _watchdog = new Timer(static state => ((PostgresConsumeGroups)state!).Watch(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Lanes open now (for tests).</summary>
    internal int Lanes
    {
        get
        {
            lock (_gate)
            {
                return _lanes;
            }
        }
    }

    /// <summary>Whether the last attempt of <paramref name="endpoint"/>'s <paramref name="key"/> failed in a group (and the next runs alone).</summary>
    public bool RunsAlone(string endpoint, string key) => _alone.ContainsKey((endpoint, key));

    /// <summary>Marks the key's next attempt to run in a transaction of its own, or clears the mark.</summary>
    public void SetAlone(string endpoint, string key, bool alone)
    {
        if (!alone)
        {
            _alone.TryRemove((endpoint, key), out _);
            return;
        }

        // Keys of messages that went to dead letters are never cleared; a bound keeps them from piling up.
        if (_alone.Count >= 4096)
        {
            _alone.Clear();
        }

        _alone.TryAdd((endpoint, key), 0);
    }

    /// <summary>A turn on a lane: at once when one is free (a new group), otherwise once a delivery ends its turn or a group commits.</summary>
    public ValueTask<Lane> TakeTurnAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<Lane> waiter;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_free.TryPop(out Lane? lane) || (_lanes < BaseLanes && (lane = NewLane()) is not null))
            {
                lane.Members = 1;
                _lastGrant = Stopwatch.GetTimestamp();
                return ValueTask.FromResult(lane);
            }

            waiter = new TaskCompletionSource<Lane>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter);
            if (!_watching)
            {
                _watching = true;
                _watchdog.Change(Stalled, Timeout.InfiniteTimeSpan);
            }
        }

        return WaitAsync(waiter, cancellationToken);
    }

    private static async ValueTask<Lane> WaitAsync(TaskCompletionSource<Lane> waiter, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return await waiter.Task.ConfigureAwait(false);
        }

        // Cancelled, the waiter is completed as such, so a lane is never granted to it (the grant skips completed waiters).
        using CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(
            static (state, token) => ((TaskCompletionSource<Lane>)state!).TrySetCanceled(token), waiter);
        return await waiter.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the holder's turn on <paramref name="lane"/>: the next waiting delivery takes it in the same group, or, with
    /// none waiting (or the group full, or its connection lost), the caller must commit the group
    /// (<see cref="CommitAsync"/>): returns whether it must.
    /// </summary>
    public bool EndTurn(Lane lane)
    {
        lock (_gate)
        {
            if (lane.Members < MaxMembers && !_disposed && TryGrant(lane))
            {
                lane.Members++;
                return false;
            }

            return true;
        }
    }

    /// <summary>Commits <paramref name="lane"/>'s group, then hands the lane to the next waiting delivery (a new group), or frees it.</summary>
    public async ValueTask CommitAsync(Lane lane)
    {
        try
        {
            await lane.CommitAsync().ConfigureAwait(false);
        }
        finally
        {
            bool close;
            lock (_gate)
            {
                close = _disposed || (_waiting.Count == 0 && _lanes > BaseLanes);
                if (!close && TryGrant(lane))
                {
                    lane.Members = 1;
                }
                else if (close)
                {
                    _lanes--;
                }
                else
                {
                    _free.Push(lane);
                }
            }

            if (close)
            {
                await lane.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Hands <paramref name="lane"/> to the first waiter that still waits (under the lock).</summary>
    private bool TryGrant(Lane lane)
    {
        while (_waiting.TryDequeue(out TaskCompletionSource<Lane>? next))
        {
            if (next.TrySetResult(lane))
            {
                _lastGrant = Stopwatch.GetTimestamp();
                return true;
            }
        }

        return false;
    }

    private Lane NewLane()
    {
        _lanes++;
        return new Lane(_store);
    }

    /// <summary>While deliveries wait: if no turn was handed out for <see cref="Stalled"/>, the lanes are held by slow handlers, and one more opens.</summary>
    private void Watch()
    {
        lock (_gate)
        {
            if (_disposed || _waiting.Count == 0)
            {
                _watching = false;
                return;
            }

            if (Stopwatch.GetElapsedTime(_lastGrant) >= Stalled && _lanes < MaxLanes)
            {
                Lane lane = NewLane();
                if (TryGrant(lane))
                {
                    lane.Members = 1;
                }
                else
                {
                    _free.Push(lane);
                }
            }

            if (_waiting.Count == 0)
            {
                _watching = false;
                return;
            }

            _watchdog.Change(Stalled, Timeout.InfiniteTimeSpan);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Lane[] free;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            while (_waiting.TryDequeue(out TaskCompletionSource<Lane>? waiter))
            {
                waiter.TrySetException(new ObjectDisposedException(nameof(PostgresMessageStore), "The PostgreSQL store is closed."));
            }

            free = [.. _free];
            _free.Clear();
            _lanes -= free.Length;
        }

        await _watchdog.DisposeAsync().ConfigureAwait(false);
        foreach (Lane lane in free)
        {
            await lane.DisposeAsync().ConfigureAwait(false);
        }
    }
}
