using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Transport;
using Shop.Contracts;
using StackExchange.Redis;

namespace Shop;

/// <summary>The sample's streams on Redis: what <c>--transport redis</c> deletes before it starts.</summary>
internal static class RedisSampleStreams
{
    /// <summary>The transport's default key prefix.</summary>
    private const string Prefix = "contracts";

    /// <summary>
    /// Deletes the streams of <paramref name="queues"/> (the endpoints; their <c>.error</c> names are RabbitMQ's and
    /// skipped), their dead-letter streams and the event's stream: entries an earlier run left would otherwise be
    /// handled by this run and mixed into what it checks. Returns a note of what it deleted ("" for nothing), or
    /// <see langword="null"/> after printing why Redis could not be reached.
    /// </summary>
    public static async Task<string?> ResetAsync(string configuration, IReadOnlyList<string> queues)
    {
        try
        {
            ConfigurationOptions options = ConfigurationOptions.Parse(configuration);
            options.ConnectTimeout = 5000;
            options.ClientName = "contracts shop sample (inspection)";
            await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(options);
            var keys = new List<RedisKey> { $"{Prefix}:dead-letters", $"{Prefix}:{TransportEndpoint.AddressOf(ShopFlow.Contract<OrderPlaced>())}" };
            foreach (string queue in queues)
            {
                if (!queue.EndsWith(".error", StringComparison.Ordinal))
                {
                    keys.Add($"{Prefix}:{queue}");
                    keys.Add($"{Prefix}:{queue}:dead");
                }
            }

            long deleted = await connection.GetDatabase().KeyDeleteAsync([.. keys]);
            return deleted > 0 ? $"(deleted {deleted} stream{(deleted == 1 ? "" : "s")} left by earlier runs)" : "";
        }
        catch (RedisConnectionException ex)
        {
            Console.Error.WriteLine(
                $"Shop: Redis is not reachable at {configuration} ({ex.Message}). Start it with scripts/redis.sh start, or pass --redis <configuration> / set CONTRACTS_REDIS.");
            return null;
        }
    }
}
