using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// Partition keys. An endpoint whose contract has a <see cref="PartitionKeyAttribute"/> member reads
/// <see cref="RedisTransportOptions.Partitions"/> (P) streams <c>{prefix}:{address}.p{i}</c> instead of its one stream:
/// a keyed message carries its key's hash (<see cref="StreamFields.PartitionKey"/>) and goes to partition hash % P.
/// Each partition is consumed by the one process that holds its lease (<see cref="PartitionLeases"/>), and within that
/// process <see cref="PartitionLanes"/> keep the key's messages one at a time in stream order with MaxConcurrency workers.
/// </summary>
internal sealed partial class RedisTransport
{
    /// <summary>Whether <paramref name="endpoint"/> is consumed through partition streams: it is not a topic subscription and its contract has a key.</summary>
    internal static bool IsPartitioned(TransportEndpoint endpoint) => endpoint.Topic is null && endpoint.Contract.HasPartitionKey;

    /// <summary>The partition of a key hash.</summary>
    internal int PartitionOf(ulong key) => (int)(key % (ulong)_options.Partitions);

    /// <summary>Partition stream <paramref name="partition"/> of <paramref name="address"/> (an endpoint or a contract).</summary>
    internal RedisKey PartitionStreamOf(string address, int partition) =>
        $"{_options.Prefix}:{address}.p{partition.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The key that records with how many partitions <paramref name="address"/>'s streams were made.</summary>
    private RedisKey PartitionCountKeyOf(string address) => $"{_options.Prefix}:{address}:partitions";

    /// <summary>The partition targets of <paramref name="target"/>'s address, made once.</summary>
    internal Target[] PartitionsOf(Target target)
    {
        if (target.Partitions is { } made)
        {
            return made;
        }

        var partitions = new Target[_options.Partitions];
        for (int i = 0; i < partitions.Length; i++)
        {
            partitions[i] = new Target(PartitionStreamOf(target.Address, i), target.Address);
        }

        target.Partitions = partitions; // a race makes equal arrays: either one serves
        return partitions;
    }

    /// <summary>
    /// The addresses whose partition streams <paramref name="endpoint"/> reads: a partitioned endpoint's own and its
    /// contract's; for a topic subscription the addresses of its keyed contracts (it reads their partition streams, unordered).
    /// </summary>
    internal static List<string> PartitionedAddressesOf(TransportEndpoint endpoint)
    {
        var addresses = new List<string>(2);
        if (IsPartitioned(endpoint))
        {
            addresses.Add(endpoint.Name);
            if (endpoint.ContractAddress != endpoint.Name)
            {
                addresses.Add(endpoint.ContractAddress);
            }
        }
        else if (endpoint.Topic is not null)
        {
            foreach (ContractDescriptor contract in endpoint.Contracts)
            {
                if (contract.HasPartitionKey)
                {
                    addresses.Add(TransportEndpoint.AddressOf(contract));
                }
            }
        }

        return addresses;
    }

    /// <summary>
    /// Refuses to start when the endpoint's partition streams were made with another count (recorded in
    /// <c>{prefix}:{address}:partitions</c> by the first process that made them): keys would move to other partitions
    /// while older messages of theirs wait in the old ones. It also refuses entries left unread or unacknowledged in the
    /// endpoint's unpartitioned stream (the contract got a key since).
    /// </summary>
    internal async Task CheckPartitionsAsync(TransportEndpoint endpoint)
    {
        IDatabase database = Database;
        string count = _options.Partitions.ToString(CultureInfo.InvariantCulture);
        foreach (string address in PartitionedAddressesOf(endpoint))
        {
            RedisKey key = PartitionCountKeyOf(address);
            await database.StringSetAsync(key, count, when: When.NotExists).ConfigureAwait(false);
            string? recorded = await database.StringGetAsync(key).ConfigureAwait(false);
            if (recorded != count)
            {
                throw new InvalidOperationException(
                    $"Endpoint '{endpoint.Name}' reads '{address}' in {count} partition streams here (RedisTransportOptions.Partitions), but its partitions on Redis " +
                    $"were made for {recorded} ({key}). Changing the count moves keys between streams and would break their order: stop the producers, let the " +
                    $"consumers drain the partition streams, delete them and {key}, then start every process with the new count, or keep the old count.");
            }
        }

        if (!IsPartitioned(endpoint) || !await database.KeyExistsAsync(StreamOf(endpoint.Name)).ConfigureAwait(false))
        {
            return;
        }

        foreach (StreamGroupInfo group in await database.StreamGroupInfoAsync(StreamOf(endpoint.Name)).ConfigureAwait(false))
        {
            if (group.Name == endpoint.Name && (group.PendingMessageCount > 0 || group.Lag is > 0))
            {
                throw new InvalidOperationException(
                    $"Stream '{StreamOf(endpoint.Name)}' still holds entries for group '{endpoint.Name}' ({group.PendingMessageCount} pending, {group.Lag} unread), but " +
                    $"its contract '{endpoint.Contract}' now has a partition key, so the endpoint is consumed from the partition streams " +
                    $"{PartitionStreamOf(endpoint.Name, 0)}..{PartitionStreamOf(endpoint.Name, _options.Partitions - 1)}. Drain the old stream with the previous " +
                    "version first (or move its entries), then start this one.");
            }
        }
    }
}
