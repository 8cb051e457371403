using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Contracts.Transport.Nats;

/// <summary>
/// Partition keys. A command or query endpoint whose contract has a <see cref="PartitionKeyAttribute"/> member has its
/// stream capture <see cref="NatsTransportOptions.Partitions"/> (P) subjects <c>{prefix}.q.{endpoint}.p{i}of{P}</c>
/// instead of its one subject: a keyed message carries its key's hash (<see cref="NatsPartitionDelivery.PartitionHeader"/>)
/// and goes to partition hash % P. Each partition has a durable consumer of its own, read by the one process that holds
/// its lease (<see cref="NatsPartitionLeases"/>), and within that process <see cref="NatsPartitionLanes"/> keep a key's
/// messages one at a time in stream order with MaxConcurrency workers.
/// </summary>
internal sealed partial class NatsTransport
{
    private readonly ConcurrentDictionary<string, string[]> _partitionSubjects = new(StringComparer.Ordinal);
    private bool _leaseBucketDeclared;

    /// <summary>Whether <paramref name="endpoint"/> is consumed through partitions: a command or query endpoint whose contract has a key.</summary>
    internal static bool IsPartitioned(TransportEndpoint endpoint) =>
        endpoint.Topic is null && endpoint.Contract.HasPartitionKey && endpoint.Contract.Kind != MessageKind.Event;

    /// <summary>The partition subject of a key hash on <paramref name="address"/> (an endpoint), the subjects made once per address.</summary>
    internal string PartitionSubjectOf(string address, ulong key) => PartitionSubjectsOf(address)[(int)(key % (ulong)_options.Partitions)];

    private string[] PartitionSubjectsOf(string address) =>
        _partitionSubjects.TryGetValue(address, out string[]? made) ? made : _partitionSubjects.GetOrAdd(address, static (a, t) => t.MakePartitionSubjects(a), this);

    private string[] MakePartitionSubjects(string address)
    {
        string[] subjects = new string[_options.Partitions];
        for (int i = 0; i < subjects.Length; i++)
        {
            subjects[i] = Names.PartitionSubject(address, i, subjects.Length);
        }

        return subjects;
    }

    /// <summary>Whether <paramref name="subject"/> is a partition subject (its last token <c>p{i}of{P}</c>).</summary>
    private static bool IsPartitionSubject(string subject)
    {
        ReadOnlySpan<char> last = subject.AsSpan(subject.LastIndexOf('.') + 1);
        int of = last.IndexOf("of", StringComparison.Ordinal);
        return last.Length > 3 && last[0] == 'p' && of > 1 && int.TryParse(last[1..of], out _) && int.TryParse(last[(of + 2)..], out _);
    }

    /// <summary>What to tell a sender whose subject the endpoint's stream does not capture.</summary>
    private string UncapturedReason(string subject, ICollection<string> captured)
    {
        bool partitionedThere = false;
        foreach (string s in captured)
        {
            partitionedThere |= IsPartitionSubject(s);
        }

        return (IsPartitionSubject(subject), partitionedThere) switch
        {
            (true, true) => $"The endpoint's consumers partition it in another count than this process's NatsTransportOptions.Partitions ({_options.Partitions}): " +
                "every process of the prefix must use the same count.",
            (true, false) => "This process's contract has a partition key, but the endpoint's consumers do not partition it (their version of the contract has none, " +
                "or none of them has started since it got one).",
            _ => "The endpoint's consumers partition it by a partition key, which this process's version of the contract does not have.",
        };
    }

    /// <summary>Declares the lease bucket, the endpoint's partitioned stream (refusing one made for another count), then starts its leases and lanes.</summary>
    private async Task ConsumePartitionsAsync(TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        string[] subjects = PartitionSubjectsOf(endpoint.Name);
        await DeclareLeaseBucketAsync(cancellationToken).ConfigureAwait(false);
        await CheckPartitionedStreamAsync(endpoint, subjects, cancellationToken).ConfigureAwait(false);
        await DeclareEndpointStreamAsync(endpoint, subjects, cancellationToken).ConfigureAwait(false);
        var partitions = new NatsPartitions(this, endpoint, subjects);
        _partitioned.Add(partitions);
        partitions.Start();
    }

    /// <summary>
    /// The key-value bucket of the leases (<see cref="NatsNames.LeaseStream"/>): one value per key, kept
    /// <see cref="NatsTransportOptions.PartitionLeaseTime"/>, which every process of the prefix must share (a bucket
    /// with another age limit is refused: leases would run out between renewals, or outlive a dead holder longer).
    /// </summary>
    private async Task DeclareLeaseBucketAsync(CancellationToken cancellationToken)
    {
        if (_leaseBucketDeclared)
        {
            return;
        }

        TimeSpan lease = _options.PartitionLeaseTime;
        try
        {
            INatsJSStream existing = await JetStream.GetStreamAsync(Names.LeaseStream, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (existing.Info.Config.MaxAge != lease)
            {
                throw new InvalidOperationException(
                    $"The partition lease bucket '{Names.LeaseBucket}' on NATS keeps leases {existing.Info.Config.MaxAge}, but this process's " +
                    $"NatsTransportOptions.PartitionLeaseTime is {lease}: every process of prefix '{_options.Prefix}' must use the same lease time. " +
                    $"Use {existing.Info.Config.MaxAge}, or stop every process of the prefix, delete stream '{Names.LeaseStream}' and start them with the new time.");
            }
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == StreamNotFound)
        {
            // Made below.
        }

        await DeclareStreamAsync(new StreamConfig(Names.LeaseStream, [$"$KV.{Names.LeaseBucket}.>"])
        {
            Description = "Contracts: partition leases of keyed endpoints, and the memberships of their consumers",
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            MaxMsgsPerSubject = 1,
            MaxAge = lease,
            DuplicateWindow = lease,
            AllowRollupHdrs = true,
            AllowDirect = true,
        }, cancellationToken).ConfigureAwait(false);
        _leaseBucketDeclared = true;
    }

    /// <summary>
    /// Refuses an existing stream of the endpoint made for another partition count (keys would move between partitions
    /// while older messages of theirs wait in the old ones), or made before the contract had a key and still holding
    /// messages; an empty one of those loses its shared consumer, which would overlap the partitions' consumers.
    /// </summary>
    private async Task CheckPartitionedStreamAsync(TransportEndpoint endpoint, string[] subjects, CancellationToken cancellationToken)
    {
        string name = Names.EndpointStream(endpoint.Name);
        INatsJSStream existing;
        try
        {
            existing = await JetStream.GetStreamAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == StreamNotFound)
        {
            return;
        }

        bool unpartitioned = false;
        foreach (string subject in existing.Info.Config.Subjects ?? [])
        {
            if (Array.IndexOf(subjects, subject) >= 0)
            {
                continue;
            }

            if (subject != Names.EndpointSubject(endpoint.Name))
            {
                throw new InvalidOperationException(
                    $"Endpoint '{endpoint.Name}' is partitioned in {subjects.Length} subjects here (NatsTransportOptions.Partitions), but its stream '{name}' on NATS " +
                    $"was made for another count (it captures '{subject}'). Changing the count moves keys between partitions and would break their order: stop the " +
                    "producers, let the consumers drain the stream, delete it, then start every process with the new count, or keep the old count.");
            }

            unpartitioned = true;
        }

        if (!unpartitioned)
        {
            return;
        }

        if (existing.Info.State.Messages > 0)
        {
            throw new InvalidOperationException(
                $"Stream '{name}' still holds {existing.Info.State.Messages} messages sent before contract '{endpoint.Contract}' had a partition key; now the endpoint " +
                $"is consumed from its partition subjects {subjects[0]}..{subjects[^1]}. Drain the stream with the previous version first, then start this one.");
        }

        try
        {
            await JetStream.DeleteConsumerAsync(name, NatsNames.WorkerConsumer, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == ConsumerNotFound)
        {
            // Another process deleted it first.
        }
    }

    /// <summary>
    /// The messages of a keyed endpoint no process has been handed yet: every message its work-queue stream holds (none
    /// is acknowledged yet) less those its partitions' consumers delivered and wait for the acknowledgement of.
    /// </summary>
    private async ValueTask<long> CountPartitionBacklogAsync(TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        string name = Names.EndpointStream(endpoint.Name);
        INatsJSStream stream = await JetStream.GetStreamAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        long backlog = stream.Info.State.Messages;
        for (int i = 0; i < _options.Partitions; i++)
        {
            try
            {
                INatsJSConsumer consumer = await JetStream.GetConsumerAsync(name, NatsNames.PartitionConsumer(i), cancellationToken).ConfigureAwait(false);
                backlog -= consumer.Info.NumAckPending;
            }
            catch (NatsJSApiException ex) when (ex.Error.ErrCode == ConsumerNotFound)
            {
                // Never read yet: everything on its subject waits.
            }
        }

        return Math.Max(0, backlog);
    }

    /// <summary>
    /// Waits for the server to have read every acknowledgement sent before (a ping on the pulls' connection, which
    /// settles them): <see langword="false"/> when it did not answer within 2 seconds or the connection is not open.
    /// </summary>
    internal async Task<bool> TryFlushConsumingAsync()
    {
        if (Volatile.Read(ref _consuming) is not { ConnectionState: NatsConnectionState.Open } consuming)
        {
            return false;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await consuming.PingAsync(timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException || IsConnectionFailure(ex) || ex is ObjectDisposedException)
        {
            Log.FlushFailed(_logger, ex);
            return false;
        }
    }

    /// <summary>
    /// The pulls' connection is open again: what the server handed the pulls while it was down never arrived, so each
    /// partition held here is taken over again (see <see cref="NatsPartitions.Reconnected"/>).
    /// </summary>
    private ValueTask OnConsumingReopenedAsync(object? sender, NatsEventArgs args)
    {
        foreach (NatsPartitions partitions in _partitioned)
        {
            partitions.Reconnected();
        }

        return ValueTask.CompletedTask;
    }
}
