using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using StackExchange.Redis;

namespace Contracts.Transport.Redis.Tests.Compliance;

/// <summary>
/// The real server of the <see cref="RedisServer"/> assembly fixture. Other tests of this assembly start hosts too, and
/// every bus here has the suite's handlers compiled in: a bus of the suite consumes only the suite's endpoints.
/// </summary>
public sealed class RedisFixture : TransportFixture
{
    public override bool SurvivesRestart => true;

    public override bool CompetingProcesses => true;

    public override void UseTransport(ContractsOptions options, Action<TransportOptions> endpoints) =>
        options.UseRedis(RedisServer.Configuration, t =>
        {
            t.Defaults.Consume = false;
            foreach (string endpoint in ComplianceEndpoints.All)
            {
                t.Endpoint(endpoint, e => e.Consume = true);
            }

            endpoints(t);
        });

    // Every suite stream, not only this test's: dead letters outlive a test, and IDeadLetters lists all of the bus's.
    public override Task ResetAsync(IReadOnlyList<string> endpointNames) => RedisServer.ResetAsync([.. ComplianceEndpoints.Queues, ComplianceEndpoints.Pinged, .. ComplianceEndpoints.TopicEvents]);

    /// <summary>Adds the bytes the way the transport adds a message (see StreamFields), straight to the endpoint's stream.</summary>
    public override async Task SendUnreadableAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload)
    {
        await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
        await connection.GetDatabase().StreamAddAsync(RedisServer.Stream(endpoint), RedisServer.Fields(contractName, contractVersion, payload));
    }
}

public sealed class RedisTransportCompliance(RedisFixture fixture) : TransportCompliance<RedisFixture>(fixture);
