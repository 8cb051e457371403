using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// The streams an endpoint reads. Redis Streams have no wildcard: a topic subscription reads the stream of each event
/// its pattern matched in this process's catalog at start (the core's matching), each with the subscription's own
/// consumer group; an event a newer publisher adds reaches it only after a restart with that contract compiled in.
/// </summary>
internal sealed partial class RedisTransport
{
    /// <summary>
    /// The endpoint's own stream first (retries and replays addressed to it alone; an abandoned delivery goes back to
    /// it), then for an event subscription its event's stream, for a topic subscription each matched event's stream
    /// (every partition stream of a keyed event). A partitioned endpoint reads its partition streams instead, partition by
    /// partition: its own, then its contract's when that is another address (see <see cref="StreamConsumer.PerPartition"/>).
    /// </summary>
    internal RedisKey[] StreamsOf(TransportEndpoint endpoint)
    {
        if (IsPartitioned(endpoint))
        {
            bool both = endpoint.ContractAddress != endpoint.Name;
            var partitioned = new RedisKey[_options.Partitions * (both ? 2 : 1)];
            for (int i = 0, k = 0; i < _options.Partitions; i++)
            {
                partitioned[k++] = PartitionStreamOf(endpoint.Name, i);
                if (both)
                {
                    partitioned[k++] = PartitionStreamOf(endpoint.ContractAddress, i);
                }
            }

            return partitioned;
        }

        RedisKey own = StreamOf(endpoint.Name);
        if (endpoint.Topic is not null)
        {
            var streams = new System.Collections.Generic.List<RedisKey>(endpoint.Contracts.Count + 1) { own };
            foreach (ContractDescriptor contract in endpoint.Contracts)
            {
                string address = TransportEndpoint.AddressOf(contract);
                if (!contract.HasPartitionKey)
                {
                    streams.Add(StreamOf(address));
                    continue;
                }

                for (int i = 0; i < _options.Partitions; i++)
                {
                    streams.Add(PartitionStreamOf(address, i));
                }
            }

            return [.. streams];
        }

        return endpoint.ContractAddress == endpoint.Name ? [own] : [own, StreamOf(endpoint.ContractAddress)];
    }
}
