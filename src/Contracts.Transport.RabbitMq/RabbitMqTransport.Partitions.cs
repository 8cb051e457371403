using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// Partition keys. An endpoint whose contract has a <see cref="PartitionKeyAttribute"/> member gets
/// <see cref="RabbitMqTransportOptions.Partitions"/> (P) queues <c>{endpoint}.p{i}</c>, each declared with
/// <c>x-single-active-consumer</c>, instead of its one queue. A keyed message carries its key's hash in a header
/// (<see cref="PartitionHeader"/>) and is routed with the suffix <c>.p{i}of{P}</c>, i = hash % P; every process
/// consumes every partition queue, the broker lets one consumer of each run at a time, and within that process
/// <see cref="PartitionLanes"/> keep the key's messages one at a time in queue order with MaxConcurrency workers.
/// </summary>
internal sealed partial class RabbitMqTransport
{
    /// <summary>The header that carries a keyed message's partition key hash (the contract's generated 64-bit hash).</summary>
    internal const string PartitionHeader = "contracts-partition-key";

    /// <summary>Whether <paramref name="endpoint"/> is consumed through partition queues: it is not a topic subscription and its contract has a key.</summary>
    internal static bool IsPartitioned(TransportEndpoint endpoint) => endpoint.Topic is null && endpoint.Contract.HasPartitionKey;

    /// <summary>Whether an endpoint carries a keyed contract: its queues are bound by the partitioned routing keys.</summary>
    private static bool CarriesKeyed(TransportEndpoint endpoint)
    {
        foreach (ContractDescriptor contract in endpoint.Contracts)
        {
            if (contract.HasPartitionKey)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Partition queue <paramref name="partition"/> of an endpoint.</summary>
    internal static string PartitionQueue(string endpoint, int partition) => $"{endpoint}.p{partition.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The routing key of partition <paramref name="partition"/> of <paramref name="address"/> (an endpoint or a contract), with this process's count.</summary>
    internal string PartitionRoute(string address, int partition) =>
        $"{address}.p{partition.ToString(CultureInfo.InvariantCulture)}of{_options.Partitions.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The partition of a key hash.</summary>
    internal int PartitionOf(ulong key) => (int)(key % (ulong)_options.Partitions);

    /// <summary>The key hash a received message carries in <see cref="PartitionHeader"/>, or 0 without one.</summary>
    internal static ulong KeyOf(IReadOnlyBasicProperties properties) =>
        properties.Headers is { } headers && headers.TryGetValue(PartitionHeader, out object? value) && value is long key ? unchecked((ulong)key) : 0;

    /// <summary>Writes the key of a keyed message into its properties and returns the routing key with its partition suffix.</summary>
    private string Partitioned(string routingKey, Envelope envelope, BasicProperties properties)
    {
        ulong key = envelope.Contract.PartitionKeyOf(envelope);
        properties.Headers ??= new Dictionary<string, object?>(1, StringComparer.Ordinal);
        properties.Headers[PartitionHeader] = unchecked((long)key);
        return PartitionRoute(routingKey, PartitionOf(key));
    }

    /// <summary>The routing key of a dead letter's replay: with the partition suffix when the message carried a key.</summary>
    internal string ReplayRoute(string routingKey, IReadOnlyBasicProperties properties) =>
        properties.Headers is { } headers && headers.ContainsKey(PartitionHeader) ? PartitionRoute(routingKey, PartitionOf(KeyOf(properties))) : routingKey;

    /// <summary>
    /// The P partition queues of a keyed endpoint, each bound by its endpoint's and its contract's partitioned routing
    /// keys. Refused when the queues on the broker were declared with another count (see <see cref="CheckPartitionCountAsync"/>).
    /// </summary>
    private async Task DeclarePartitionsAsync(IChannel channel, TransportEndpoint endpoint, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        await CheckPartitionCountAsync(endpoint, cancellationToken).ConfigureAwait(false);
        arguments["x-single-active-consumer"] = true;
        // Last to first: a process starting at the same time sees the first queue only once the last exists, so it
        // does not take a declaration under way for a count that grew.
        for (int i = _options.Partitions - 1; i >= 0; i--)
        {
            string queue = PartitionQueue(endpoint.Name, i);
            await DeclareQueueAsync(channel, queue, arguments, cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(queue, _options.Exchange, PartitionRoute(endpoint.Name, i), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (endpoint.ContractAddress != endpoint.Name)
            {
                await channel.QueueBindAsync(queue, _options.Exchange, PartitionRoute(endpoint.ContractAddress, i), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A topic subscription is not partitioned (its one queue, no order per key), but it still receives keyed events:
    /// its queue is bound by every partitioned routing key of its keyed contracts and of itself.
    /// </summary>
    private async Task BindKeyedTopicAsync(IChannel channel, TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        for (int i = 0; i < _options.Partitions; i++)
        {
            await channel.QueueBindAsync(endpoint.Name, _options.Exchange, PartitionRoute(endpoint.Name, i), cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (ContractDescriptor contract in endpoint.Contracts)
            {
                if (contract.HasPartitionKey)
                {
                    await channel.QueueBindAsync(endpoint.Name, _options.Exchange, PartitionRoute(TransportEndpoint.AddressOf(contract), i), cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Refuses to start when the broker has this endpoint's partition queues for another count: a queue
    /// <c>.p{P}</c> beyond this process's last (the count shrank: its messages would never be consumed) or a first
    /// queue without the last (the count grew: keys would move to other queues while older messages of theirs wait in
    /// the old ones). It also refuses messages left in the endpoint's unpartitioned queue (the contract got a key since).
    /// </summary>
    private async Task CheckPartitionCountAsync(TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        int partitions = _options.Partitions;
        uint? beyond = await ProbeQueueAsync(PartitionQueue(endpoint.Name, partitions), cancellationToken).ConfigureAwait(false);
        bool grew = false;
        if (beyond is null && await ProbeQueueAsync(PartitionQueue(endpoint.Name, 0), cancellationToken).ConfigureAwait(false) is not null)
        {
            grew = await ProbeQueueAsync(PartitionQueue(endpoint.Name, partitions - 1), cancellationToken).ConfigureAwait(false) is null;
        }

        if (beyond is not null || grew)
        {
            throw new InvalidOperationException(
                $"Endpoint '{endpoint.Name}' is partitioned in {partitions} queues here (RabbitMqTransportOptions.Partitions), but the broker has its partition queues " +
                $"for {(grew ? "fewer" : "more")} ({PartitionQueue(endpoint.Name, grew ? partitions - 1 : partitions)} {(grew ? "is missing" : "exists")}). " +
                "Changing the count moves keys between queues and would break their order: stop the producers, drain and delete the endpoint's partition queues, " +
                "then start every process with the new count, or keep the old count.");
        }

        if (await ProbeQueueAsync(endpoint.Name, cancellationToken).ConfigureAwait(false) is > 0 and uint waiting)
        {
            throw new InvalidOperationException(
                $"Queue '{endpoint.Name}' still holds {waiting} messages, but its contract '{endpoint.Contract}' now has a partition key, so the endpoint is consumed " +
                $"from the partition queues {PartitionQueue(endpoint.Name, 0)}..{PartitionQueue(endpoint.Name, partitions - 1)}. Drain the old queue with the " +
                "previous version first (or move its messages), then start this one.");
        }
    }

    /// <summary>The messages ready on <paramref name="queue"/>, or <see langword="null"/> when it does not exist (a passive declare on a channel of its own: a 404 closes it).</summary>
    private async Task<uint?> ProbeQueueAsync(string queue, CancellationToken cancellationToken)
    {
        await using IChannel channel = await Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false)).MessageCount;
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }
}
