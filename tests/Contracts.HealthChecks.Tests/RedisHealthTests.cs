using System;
using System.Threading.Tasks;
using Contracts.Transport.Redis;
using StackExchange.Redis;

namespace Contracts.HealthChecks.Tests;

/// <summary>The health checks on the real Redis server (127.0.0.1:6379), under a key prefix of each test's own.</summary>
public sealed class RedisHealthTests : BrokerHealthTests
{
    private const string Configuration = "127.0.0.1:6379";

    protected override string Connected => $"connected to Redis at {Configuration} (prefix '{Prefix}')";

    protected override string Unreachable => "Redis at 127.0.0.1:1";

    protected override Action<ContractsOptions> Transport(bool consumeWork, bool unreachable = false) =>
        o => o.UseRedis(unreachable ? "127.0.0.1:1,connectTimeout=1000" : Configuration, t =>
        {
            t.Prefix = Prefix;
            t.Defaults.Retry.ImmediateRetries = 0;
            t.Defaults.Retry.DelayedRetries = 0;
            t.Endpoint<Work>(e => e.Consume = consumeWork);
        });

    /// <summary>Deletes every key of the prefix (streams and dead-letter streams).</summary>
    protected override async Task RemovePrefixAsync()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(Configuration);
        IServer server = connection.GetServer(connection.GetEndPoints()[0]);
        IDatabase database = connection.GetDatabase();
        await foreach (RedisKey key in server.KeysAsync(pattern: Prefix + ":*"))
        {
            await database.KeyDeleteAsync(key);
        }
    }
}
