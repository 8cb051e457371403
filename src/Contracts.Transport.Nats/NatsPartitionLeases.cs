using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Contracts.Transport.Nats;

/// <summary>
/// Which partitions of a keyed endpoint this process reads. Each partition has a lease, a key of the lease bucket
/// (<see cref="NatsNames.LeaseSubject"/>) whose value is its holder's member id: taken by a create (a publish that
/// expects no message on the key), renewed by an update that expects the holder's own revision, given back by deleting
/// that revision. The bucket's age limit is the lease time, so the lease of a process that stops renewing is gone after
/// it. Every process consuming the endpoint also keeps a membership key fresh, and holds its fair share of the
/// partitions, ceil(P / live).
/// </summary>
/// <remarks>
/// Two loops, so that nothing slow delays a renewal. The renewal loop, every quarter of
/// <see cref="NatsTransportOptions.PartitionLeaseTime"/> on a fixed schedule, sends the membership and every held lease's
/// renewal at once and waits only for their answers; it also deletes the leases given back. The balance loop lists the
/// bucket's keys, takes free partitions up to the share, marks those above it for release, and lets one go once nothing
/// of it is held here and the server has read its acknowledgements (a ping, which can take seconds under load).
/// Fencing: a renewal sent at t keeps the lease valid here until t + lease time - a tenth of it, before the server can
/// let it run out (the server counts from when it received the renewal). <see cref="Holds"/> is asked before a message
/// starts and before it is acknowledged; once a lease's validity has passed unrenewed the partition is in doubt: its
/// reader stops, nothing of it starts or is acknowledged here, and what is held of it is left unacknowledged for its
/// next reader. A renewal that still finds this process's revision proves nobody took it meanwhile: the partition is
/// taken over again (its consumer recreated, delivering what was left first). One that finds another revision drops it.
/// One file over the usual size: both loops and the fencing move one state machine per partition, whose transitions
/// (each a compare-and-exchange) are easier to check side by side.
/// </remarks>
internal sealed class NatsPartitionLeases
{
    /// <summary>Not this process's.</summary>
    public const int Free = 0;

    /// <summary>Leased, not taken over yet: its reader recreates the partition's consumer, then reads it.</summary>
    public const int Acquired = 1;

    /// <summary>Leased and read.</summary>
    public const int Owned = 2;

    /// <summary>Above this process's share: no longer read, and given back once nothing of it is held here.</summary>
    public const int Releasing = 3;

    /// <summary>Given back here (nothing held, acknowledgements read by the server): the renewal loop deletes the lease.</summary>
    public const int Returning = 4;

    /// <summary>Leased, but not renewed within its validity: nothing of it starts or is acknowledged until a renewal says it is still this process's.</summary>
    public const int Doubtful = 5;

    /// <summary>JetStream's error code for a publish whose expected last subject sequence is not the subject's: another revision.</summary>
    private const int WrongLastSequence = 10071;

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> s_raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly NatsTransport _transport;
    private readonly NatsPartitions _partitions;
    private readonly string[] _leases;
    private readonly string _memberSubject;
    private readonly string _memberPrefix;
    private readonly string _keys;
    private readonly ReadOnlyMemory<byte> _value;
    private readonly int[] _states;
    private readonly ulong[] _revisions;
    private readonly long[] _validUntil; // until when each lease is surely this process's (a TimeProvider timestamp)
    private readonly long _validFor;
    private readonly TimeSpan _every;
    private readonly int _first;
    private readonly CancellationTokenSource _stopRenewing = new();
    private readonly CancellationTokenSource _stopBalancing = new();
    private ulong _memberRevision;
    private int _live = 1;
    private Task _renewing = Task.CompletedTask;
    private Task _balancing = Task.CompletedTask;

    public NatsPartitionLeases(NatsTransport transport, NatsPartitions partitions, int count)
    {
        _transport = transport;
        _partitions = partitions;
        NatsNames names = transport.Names;
        string endpoint = partitions.Endpoint.Name;
        _leases = new string[count];
        for (int i = 0; i < count; i++)
        {
            _leases[i] = names.LeaseSubject(endpoint, i);
        }

        _memberSubject = names.MemberSubject(endpoint, transport.MemberId);
        _memberPrefix = names.MemberSubject(endpoint, string.Empty);
        _keys = names.LeaseKeys(endpoint);
        _value = Encoding.UTF8.GetBytes(transport.MemberId);
        _states = new int[count];
        _revisions = new ulong[count];
        _validUntil = new long[count];
        TimeSpan lease = transport.Options.PartitionLeaseTime;
        _validFor = (long)((lease - (lease / 10)).TotalSeconds * transport.Time.TimestampFrequency);
        _every = lease / 4;
        // Processes take free partitions from a place of their own, so that ones starting together do not contend.
        _first = Random.Shared.Next(count);
    }

    /// <summary>How many partitions the endpoint has.</summary>
    public int Count => _states.Length;

    public int StateOf(int partition) => Volatile.Read(ref _states[partition]);

    /// <summary>
    /// Whether this process holds <paramref name="partition"/> (being taken over, read, or released) and its lease is
    /// surely still valid on the server: its messages may start and be acknowledged here. A lease whose validity passed
    /// unrenewed puts the partition in doubt at once: its reader stops and the lanes leave what they hold of it.
    /// </summary>
    public bool Holds(int partition)
    {
        int state = Volatile.Read(ref _states[partition]);
        if (state is not (Acquired or Owned or Releasing))
        {
            return false;
        }

        if (_transport.Time.GetTimestamp() < Volatile.Read(ref _validUntil[partition]))
        {
            return true;
        }

        Doubt(partition, state);
        return false;
    }

    /// <summary>The reader took <paramref name="partition"/> over: it is read from now on, unless its lease was lost or doubted meanwhile.</summary>
    public void TookOver(int partition) => Interlocked.CompareExchange(ref _states[partition], Owned, Acquired);

    public void Start()
    {
        using (ExecutionContext.SuppressFlow())
        {
            _renewing = Task.Run(() => RunAsync(_stopRenewing.Token, RenewAsync), CancellationToken.None);
            _balancing = Task.Run(() => RunAsync(_stopBalancing.Token, BalanceAsync), CancellationToken.None);
        }
    }

    /// <summary>Stops taking, releasing and reading again (the first step of a stop); the renewals go on until <see cref="StopAsync"/>.</summary>
    public async Task StopBalancingAsync()
    {
        await _stopBalancing.CancelAsync().ConfigureAwait(false);
        await _balancing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Stops renewing and deletes every lease and the membership, so the other processes take the partitions at once.</summary>
    public async Task StopAsync()
    {
        await StopBalancingAsync().ConfigureAwait(false);
        await _stopRenewing.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        INatsJSContext js = _transport.JetStream;
        for (int i = 0; i < _states.Length; i++)
        {
            Volatile.Write(ref _states[i], Free);
            // Also a lease dropped or in doubt: deleting a revision that is no longer the key's does nothing.
            await DeleteQuietlyAsync(js, Interlocked.Exchange(ref _revisions[i], 0)).ConfigureAwait(false);
        }

        await DeleteQuietlyAsync(js, _memberRevision).ConfigureAwait(false);
        _stopRenewing.Dispose();
        _stopBalancing.Dispose();
    }

    /// <summary>One of the two loops: a round now, then one every quarter of the lease time until stopped; a failed round is logged and the next one runs.</summary>
    private async Task RunAsync(CancellationToken stop, Func<CancellationToken, Task> round)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stop, _transport.Disposed);
        using var timer = new PeriodicTimer(_every, _transport.Time);
        do
        {
            try
            {
                await round(stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Never ends the loop: a partition held and not renewed, or free and not taken, would wait for ever.
                NatsTransport.Log.LeaseFailed(_transport.Logger, ex, _partitions.Endpoint.Name);
            }
        }
        while (await NextAsync(timer, stopping.Token).ConfigureAwait(false));
    }

    private static async ValueTask<bool> NextAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Renews the membership and every held lease at once, deletes the leases given back, then puts in doubt each held
    /// partition whose validity passed without a renewal.
    /// </summary>
    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        INatsJSContext js = _transport.JetStream;
        long sent = _transport.Time.GetTimestamp(); // before the renewals are sent: the server counts from their arrival
        var pending = new List<Task>(_states.Length + 1) { RenewMembershipAsync(js, cancellationToken) };
        for (int i = 0; i < _states.Length; i++)
        {
            switch (Volatile.Read(ref _states[i]))
            {
                case Acquired or Owned or Releasing or Doubtful:
                    pending.Add(RenewAsync(js, i, sent, cancellationToken));
                    break;
                case Returning:
                    pending.Add(ReturnAsync(js, i));
                    break;
            }
        }

        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        finally
        {
            long now = _transport.Time.GetTimestamp();
            for (int i = 0; i < _states.Length; i++)
            {
                int state = Volatile.Read(ref _states[i]);
                if (state is Acquired or Owned or Releasing && now >= Volatile.Read(ref _validUntil[i]))
                {
                    Doubt(i, state);
                }
            }
        }
    }

    private async Task RenewMembershipAsync(INatsJSContext js, CancellationToken cancellationToken) =>
        _memberRevision = await PutAsync(js, _memberSubject, expected: null, cancellationToken).ConfigureAwait(false) ?? _memberRevision;

    /// <summary>Renews one lease: valid again from <paramref name="sent"/>; a partition in doubt is taken over again; another revision drops it.</summary>
    private async Task RenewAsync(INatsJSContext js, int partition, long sent, CancellationToken cancellationToken)
    {
        ulong revision = Volatile.Read(ref _revisions[partition]);
        if (await PutAsync(js, _leases[partition], revision, cancellationToken).ConfigureAwait(false) is not { } renewed)
        {
            Drop(partition); // another revision: the lease ran out and another process holds it now
            return;
        }

        Volatile.Write(ref _revisions[partition], renewed);
        Volatile.Write(ref _validUntil[partition], sent + _validFor);
        if (Interlocked.CompareExchange(ref _states[partition], Acquired, Doubtful) == Doubtful)
        {
            // Still this process's revision: nobody took it while in doubt. What was left of it comes first again.
            NatsTransport.Log.PartitionResumed(_transport.Logger, _partitions.Endpoint.Name, partition);
            _partitions.Read(partition);
        }
    }

    /// <summary>Deletes a lease given back (<see cref="Returning"/>): its next holder takes it at once.</summary>
    private async Task ReturnAsync(INatsJSContext js, int partition)
    {
        await DeleteQuietlyAsync(js, Volatile.Read(ref _revisions[partition])).ConfigureAwait(false);
        if (Interlocked.CompareExchange(ref _states[partition], Free, Returning) == Returning)
        {
            Volatile.Write(ref _revisions[partition], 0);
            NatsTransport.Log.PartitionReleased(_transport.Logger, _partitions.Endpoint.Name, partition, _live, _states.Length);
        }
    }

    /// <summary>Learns who is alive and what is free, takes this process's share, marks those above it for release and lets go of the drained ones.</summary>
    private async Task BalanceAsync(CancellationToken cancellationToken)
    {
        INatsJSContext js = _transport.JetStream;
        TimeProvider time = _transport.Time;
        long started = time.GetTimestamp();
        INatsJSStream bucket = await js.GetStreamAsync(_transport.Names.LeaseStream, new StreamInfoRequest { SubjectsFilter = _keys }, cancellationToken).ConfigureAwait(false);
        IDictionary<string, long> keys = bucket.Info.State.Subjects ?? new Dictionary<string, long>();
        int live = keys.ContainsKey(_memberSubject) ? 0 : 1; // this process, before its first membership arrived
        foreach (string key in keys.Keys)
        {
            if (key.StartsWith(_memberPrefix, StringComparison.Ordinal))
            {
                live++;
            }
        }

        _live = live;
        int partitions = _states.Length;
        int share = (partitions + live - 1) / live;
        int holding = 0;
        for (int i = 0; i < partitions; i++)
        {
            if (Volatile.Read(ref _states[i]) is Acquired or Owned or Doubtful)
            {
                holding++;
            }
        }

        bool stopping = cancellationToken.IsCancellationRequested || _transport.Stopping.IsCancellationRequested;
        for (int i = 0; i < partitions && holding < share && !stopping; i++)
        {
            if (Interlocked.CompareExchange(ref _states[i], Owned, Releasing) == Releasing)
            {
                holding++; // the share grew again (a process left) before it was given back: read again
                _partitions.Read(i);
            }
        }

        for (int n = 0; n < partitions && holding < share && !stopping; n++)
        {
            int i = (_first + n) % partitions;
            if (keys.ContainsKey(_leases[i]) || Volatile.Read(ref _states[i]) != Free || !_partitions.Idle(i))
            {
                continue; // another's, or this process still holds messages of it, or its last reader here has not ended
            }

            long sent = time.GetTimestamp();
            if (await PutAsync(js, _leases[i], expected: 0, cancellationToken).ConfigureAwait(false) is { } created)
            {
                Volatile.Write(ref _revisions[i], created);
                Volatile.Write(ref _validUntil[i], sent + _validFor);
                Volatile.Write(ref _states[i], Acquired);
                holding++;
                _partitions.Read(i);
            }
        }

        for (int n = partitions - 1; n >= 0 && holding > share; n--)
        {
            int i = (_first + n) % partitions;
            if (Interlocked.CompareExchange(ref _states[i], Releasing, Owned) == Owned)
            {
                holding--;
                _partitions.StopReading(i);
            }
        }

        await ReturnDrainedAsync().ConfigureAwait(false);
        NatsTransport.Log.LeaseRound(_transport.Logger, _partitions.Endpoint.Name, (long)time.GetElapsedTime(started).TotalMilliseconds, live, share, holding);
    }

    /// <summary>
    /// Marks for deletion the leases being released of which nothing is held here any more and whose reader has ended,
    /// once the server has read the acknowledgements sent before (their next holder, whose consumer starts at the oldest
    /// unacknowledged message, repeats none). Without that answer they wait for the next round.
    /// </summary>
    private async Task ReturnDrainedAsync()
    {
        bool flushed = false;
        for (int i = 0; i < _states.Length; i++)
        {
            if (Volatile.Read(ref _states[i]) != Releasing || !_partitions.Idle(i))
            {
                continue;
            }

            if (!flushed && !(flushed = await _transport.TryFlushConsumingAsync().ConfigureAwait(false)))
            {
                return;
            }

            Interlocked.CompareExchange(ref _states[i], Returning, Releasing);
        }
    }

    /// <summary>The lease's validity passed unrenewed: its reader stops, and nothing of it starts or is acknowledged here until a renewal succeeds.</summary>
    private void Doubt(int partition, int state)
    {
        if (Interlocked.CompareExchange(ref _states[partition], Doubtful, state) == state)
        {
            _partitions.StopReading(partition);
            NatsTransport.Log.PartitionInDoubt(_transport.Logger, _partitions.Endpoint.Name, partition);
        }
    }

    /// <summary>The partition is another process's: its reader stops, and the lanes leave what they hold of it.</summary>
    private void Drop(int partition)
    {
        int was = Interlocked.Exchange(ref _states[partition], Free);
        if (was != Free)
        {
            _partitions.StopReading(partition);
            if (was != Returning)
            {
                NatsTransport.Log.PartitionLost(_transport.Logger, _partitions.Endpoint.Name, partition);
            }
        }
    }

    /// <summary>
    /// Writes this process's id to <paramref name="subject"/>: with <paramref name="expected"/>, only if that is the key's
    /// revision now (0: no value). Never retried here, and without a publish id: the server checks a publish id before
    /// the expected revision, so a create repeated within the duplicate window would be answered with an earlier lease's
    /// revision. A write whose acknowledgement was lost leaves a lease this process does not know it holds: it looks like
    /// another's, and runs out after the lease time, so nobody reads the partition meanwhile.
    /// </summary>
    /// <returns>The new revision, or <see langword="null"/> when the key has another revision.</returns>
    private async Task<ulong?> PutAsync(INatsJSContext js, string subject, ulong? expected, CancellationToken cancellationToken)
    {
        var opts = new NatsJSPubOpts { ExpectedLastSubjectSequence = expected, RetryAttempts = 1 };
        try
        {
            PubAckResponse ack = await js.PublishAsync(subject, _value, s_raw, opts, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (ack.Error is { } error)
            {
                return error.ErrCode == WrongLastSequence
                    ? null
                    : throw new InvalidOperationException($"The lease bucket refused '{subject}': {error.Description} (JetStream error {error.ErrCode}).");
            }

            return ack.Seq;
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == WrongLastSequence)
        {
            return null;
        }
    }

    /// <summary>Deletes one revision of a key: a compare and delete, since a revision is never another holder's.</summary>
    private async Task DeleteQuietlyAsync(INatsJSContext js, ulong revision)
    {
        if (revision == 0)
        {
            return;
        }

        try
        {
            await js.DeleteMessageAsync(_transport.Names.LeaseStream, new StreamMsgDeleteRequest { Seq = revision, NoErase = true }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsJSApiException || NatsTransport.IsConnectionFailure(ex) || ex is ObjectDisposedException)
        {
            // Gone already (renewed over, run out), or the server is away: the lease runs out by itself after the lease time.
            NatsTransport.Log.StopFailed(_transport.Logger, ex, "deleting a partition lease");
        }
    }
}
