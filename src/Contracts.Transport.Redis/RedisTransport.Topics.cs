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
    /// it), then for an event subscription its event's stream, for a topic subscription each matched event's stream.
    /// </summary>
    internal RedisKey[] StreamsOf(TransportEndpoint endpoint)
    {
        RedisKey own = StreamOf(endpoint.Name);
        if (endpoint.Topic is not null)
        {
            var streams = new RedisKey[endpoint.Contracts.Count + 1];
            streams[0] = own;
            for (int i = 0; i < endpoint.Contracts.Count; i++)
            {
                streams[i + 1] = StreamOf(TransportEndpoint.AddressOf(endpoint.Contracts[i]));
            }

            return streams;
        }

        return endpoint.ContractAddress == endpoint.Name ? [own] : [own, StreamOf(endpoint.ContractAddress)];
    }
}
