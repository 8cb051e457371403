using System;
using System.Threading.Tasks;
using Contracts.Transport.Nats;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Contracts.HealthChecks.Tests;

/// <summary>The health checks on the real NATS JetStream server (127.0.0.1:4222), under a prefix of each test's own.</summary>
public sealed class NatsHealthTests : BrokerHealthTests
{
    private const string Url = "nats://127.0.0.1:4222";

    protected override string Connected => $"connected to NATS at {Url} (JetStream, prefix '{Prefix}')";

    protected override string Unreachable => "NATS at nats://127.0.0.1:1 is not reachable";

    protected override Action<ContractsOptions> Transport(bool consumeWork, bool unreachable = false) =>
        o => o.UseNats(unreachable ? "nats://127.0.0.1:1" : Url, t =>
        {
            t.Prefix = Prefix;
            t.Defaults.Retry.ImmediateRetries = 0;
            t.Defaults.Retry.DelayedRetries = 0;
            t.Endpoint<Work>(e => e.Consume = consumeWork);
        });

    /// <summary>Deletes every stream of the prefix (the endpoints', the event stream and the dead-letter stream).</summary>
    protected override async Task RemovePrefixAsync()
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = Url });
        var js = new NatsJSContext(connection);
        await foreach (string stream in js.ListStreamNamesAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            if (stream.StartsWith(Prefix + "_", StringComparison.Ordinal))
            {
                await js.DeleteStreamAsync(stream, TestContext.Current.CancellationToken);
            }
        }
    }
}
