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
/// expects no message on the key), renewed every third of <see cref="NatsTransportOptions.PartitionLeaseTime"/> by an
/// update that expects the holder's own revision, given back by deleting that revision. The bucket's age limit is the
/// lease time, so the lease of a process that stops renewing is gone after it. Every process consuming the endpoint
/// also keeps a membership key fresh; one stream request per renewal lists the endpoint's keys, so the process knows
/// how many are alive and which partitions are free, and holds its fair share, ceil(P / live).
/// </summary>
/// <remarks>
/// Only the lease loop changes leases. A partition above the share is no longer read and is given back once nothing of
/// it is held here any more (read ahead, running, or a delayed retry waiting in its lane); a free one is taken only
/// when nothing of it is held here from an earlier lease. A lease this process could not renew for a whole lease time
/// (measured from before its last renewal was sent) is dropped at once, even before the next renewal says who holds it:
/// the lanes start no more of its messages.
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

    /// <summary>JetStream's error code for a publish whose expected last subject sequence is not the subject's: another revision.</summary>
    private const int WrongLastSequence = 10071;

    private static readonly NatsRawSerializer<ReadOnlyMemory<byte>> s_raw = NatsRawSerializer<ReadOnlyMemory<byte>>.Default;

    private readonly NatsTransport _transport;
    private readonly NatsPartitions _partitions;
    private readonly string[] _leases;
    private readonly string _member;
    private readonly string _memberSubject;
    private readonly string _memberPrefix;
    private readonly string _keys;
    private readonly ReadOnlyMemory<byte> _value;
    private readonly int[] _states;
    private readonly ulong[] _revisions;
    private readonly long[] _validUntil; // when each lease renewed last surely still lasts on the server (a timestamp)
    private readonly int _first;
    private readonly CancellationTokenSource _stop = new();
    private ulong _memberRevision;
    private int _live = 1;
    private Task _loop = Task.CompletedTask;

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

        _member = transport.MemberId;
        _memberSubject = names.MemberSubject(endpoint, _member);
        _memberPrefix = names.MemberSubject(endpoint, string.Empty);
        _keys = names.LeaseKeys(endpoint);
        _value = Encoding.UTF8.GetBytes(_member);
        _states = new int[count];
        _revisions = new ulong[count];
        _validUntil = new long[count];
        // Processes take free partitions from a place of their own, so that ones starting together do not contend.
        _first = Random.Shared.Next(count);
    }

    /// <summary>How many partitions the endpoint has.</summary>
    public int Count => _states.Length;

    public int StateOf(int partition) => Volatile.Read(ref _states[partition]);

    /// <summary>
    /// Whether this process still holds <paramref name="partition"/> (being taken over, read, or released) and its lease
    /// has surely not run out on the server: its messages may start here. One whose lease time ran out unrenewed is
    /// dropped at once: its reader stops and the lanes leave what they hold of it, unacknowledged, to its next holder.
    /// </summary>
    public bool Holds(int partition)
    {
        if (Volatile.Read(ref _states[partition]) == Free)
        {
            return false;
        }

        if (_transport.Time.GetTimestamp() < Volatile.Read(ref _validUntil[partition]))
        {
            return true;
        }

        Drop(partition);
        return false;
    }

    /// <summary>The reader took <paramref name="partition"/> over: it is read from now on, unless its lease was lost meanwhile.</summary>
    public void TookOver(int partition) => Interlocked.CompareExchange(ref _states[partition], Owned, Acquired);

    public void Start()
    {
        using (ExecutionContext.SuppressFlow())
        {
            _loop = Task.Run(RunAsync, CancellationToken.None);
        }
    }

    /// <summary>Stops renewing and deletes every lease and the membership, so the other processes take the partitions at once.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        INatsJSContext js = _transport.JetStream;
        for (int i = 0; i < _states.Length; i++)
        {
            Volatile.Write(ref _states[i], Free);
            await DeleteQuietlyAsync(js, _revisions[i]).ConfigureAwait(false);
            _revisions[i] = 0;
        }

        await DeleteQuietlyAsync(js, _memberRevision).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _transport.Disposed);
        TimeSpan every = _transport.Options.PartitionLeaseTime / 3;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (NatsTransport.IsConnectionFailure(ex) || ex is NatsJSApiException or OperationCanceledException)
            {
                NatsTransport.Log.LeaseFailed(_transport.Logger, ex, _partitions.Endpoint.Name);
            }

            try
            {
                await Task.Delay(every, _transport.Time, stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Renews, drops leases lost, learns who is alive and what is free, takes this process's share and marks those above it for release.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        INatsJSContext js = _transport.JetStream;
        TimeProvider time = _transport.Time;
        // Taken before the renewals are sent: a renewed lease lasts at least the lease time from now (on this machine's clock).
        long validUntil = time.GetTimestamp() + (long)(_transport.Options.PartitionLeaseTime.TotalSeconds * time.TimestampFrequency);
        _memberRevision = await PutAsync(js, _memberSubject, expected: null, cancellationToken).ConfigureAwait(false) ?? _memberRevision;
        for (int i = 0; i < _states.Length; i++)
        {
            if (Volatile.Read(ref _states[i]) == Free)
            {
                continue;
            }

            if (await PutAsync(js, _leases[i], _revisions[i], cancellationToken).ConfigureAwait(false) is { } renewed)
            {
                _revisions[i] = renewed;
                Volatile.Write(ref _validUntil[i], validUntil);
            }
            else
            {
                Drop(i); // another revision: the lease ran out here and someone else holds it now
            }
        }

        await ReleaseDrainedAsync(js).ConfigureAwait(false);
        INatsJSStream bucket = await js.GetStreamAsync(_transport.Names.LeaseStream, new StreamInfoRequest { SubjectsFilter = _keys }, cancellationToken).ConfigureAwait(false);
        IDictionary<string, long> keys = bucket.Info.State.Subjects ?? new Dictionary<string, long>();
        int live = 0;
        foreach (string key in keys.Keys)
        {
            if (key.StartsWith(_memberPrefix, StringComparison.Ordinal))
            {
                live++;
            }
        }

        live = Math.Max(1, live);
        _live = live;
        int partitions = _states.Length;
        int share = (partitions + live - 1) / live;
        int holding = 0;
        for (int i = 0; i < partitions; i++)
        {
            if (Volatile.Read(ref _states[i]) is Acquired or Owned)
            {
                holding++;
            }
        }

        for (int i = 0; i < partitions && holding < share; i++)
        {
            if (Interlocked.CompareExchange(ref _states[i], Owned, Releasing) == Releasing)
            {
                holding++; // the share grew again (a process left) before it was given back: read again
                _partitions.Read(i);
            }
        }

        for (int n = 0; n < partitions && holding < share && !_transport.Stopping.IsCancellationRequested; n++)
        {
            int i = (_first + n) % partitions;
            if (keys.ContainsKey(_leases[i]) || Volatile.Read(ref _states[i]) != Free || _partitions.HeldOf(i) != 0)
            {
                continue; // another's, or this process still holds messages of it from its lease before
            }

            if (await PutAsync(js, _leases[i], expected: 0, cancellationToken).ConfigureAwait(false) is { } created)
            {
                _revisions[i] = created;
                Volatile.Write(ref _validUntil[i], validUntil);
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

        await ReleaseDrainedAsync(js).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the leases of partitions being released of which nothing is held here any more, once the server has read
    /// the acknowledgements sent before (so their next holder, whose consumer starts at the ack floor, repeats none).
    /// </summary>
    private async Task ReleaseDrainedAsync(INatsJSContext js)
    {
        bool flushed = false;
        for (int i = 0; i < _states.Length; i++)
        {
            if (Volatile.Read(ref _states[i]) != Releasing || _partitions.HeldOf(i) != 0)
            {
                continue;
            }

            if (!flushed)
            {
                await _transport.FlushConsumingAsync().ConfigureAwait(false);
                flushed = true;
            }

            if (Interlocked.CompareExchange(ref _states[i], Free, Releasing) == Releasing)
            {
                ulong revision = _revisions[i];
                _revisions[i] = 0;
                await DeleteQuietlyAsync(js, revision).ConfigureAwait(false);
                NatsTransport.Log.PartitionReleased(_transport.Logger, _partitions.Endpoint.Name, i, _live, _states.Length);
            }
        }
    }

    /// <summary>The partition is no longer this process's: its reader stops, and the lanes leave what they hold of it.</summary>
    private void Drop(int partition)
    {
        if (Interlocked.Exchange(ref _states[partition], Free) != Free)
        {
            _partitions.StopReading(partition);
            NatsTransport.Log.PartitionLost(_transport.Logger, _partitions.Endpoint.Name, partition);
        }
    }

    /// <summary>
    /// Writes this process's id to <paramref name="subject"/>: with <paramref name="expected"/>, only if that is the key's
    /// revision now (0: no value). Never retried here, and without a publish id: the server checks a publish id before
    /// the expected revision, so a create repeated within the duplicate window would be answered with an earlier lease's
    /// revision. A write whose acknowledgement was lost leaves a lease this process does not know it holds: it looks like
    /// another's, fails its next renewal, and runs out after the lease time, so nobody reads the partition meanwhile.
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
            // Gone already (renewed or run out), or the server is away: the lease runs out by itself after the lease time.
            NatsTransport.Log.StopFailed(_transport.Logger, ex, "deleting a partition lease");
        }
    }
}
