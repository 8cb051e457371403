using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using Contracts.Transport;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq.Tests.Compliance;

/// <summary>
/// The real broker of the <see cref="Broker"/> assembly fixture. Other tests of this assembly start hosts too, and
/// every bus here has the suite's handlers compiled in: a bus of the suite consumes only the suite's endpoints.
/// </summary>
public sealed class RabbitMqFixture : TransportFixture
{
    public override bool SurvivesRestart => true;

    public override bool CompetingProcesses => true;

    public override void UseTransport(ContractsOptions options, Action<TransportOptions> endpoints) =>
        options.UseRabbitMq(Broker.Uri, t =>
        {
            t.Defaults.Consume = false;
            foreach (string endpoint in ComplianceEndpoints.All)
            {
                t.Endpoint(endpoint, e => e.Consume = true);
            }

            endpoints(t);
        });

    // Every suite queue, not only this test's: error queues outlive a test, and IDeadLetters lists all of the bus's.
    public override Task ResetAsync(IReadOnlyList<string> endpointNames) => Broker.ResetAsync([.. ComplianceEndpoints.Queues]);

    /// <summary>Publishes the bytes the way the transport publishes a message (see AmqpHeaders), straight to the endpoint's queue.</summary>
    public override Task SendUnreadableAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload) =>
        PublishAsync(endpoint, contractName, contractVersion, payload, deliverBy: null);

    /// <summary>As another process would, but without the AMQP expiration the transport adds (the broker would drop it first).</summary>
    public override Task SendExpiredAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload, DateTimeOffset deliverBy) =>
        PublishAsync(endpoint, contractName, contractVersion, payload, deliverBy);

    private static async Task PublishAsync(string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload, DateTimeOffset? deliverBy)
    {
        await using IConnection connection = await Broker.ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        BasicProperties properties = Broker.Properties(contractName, contractVersion);
        if (deliverBy is { } by)
        {
            properties.Headers!["contracts-deliver-by"] = by.ToUnixTimeMilliseconds();
        }

        // Mandatory and confirmed: the message is on the endpoint's queue when this returns.
        await channel.BasicPublishAsync("contracts", endpoint, mandatory: true, properties, payload);
    }
}

public sealed class RabbitMqTransportCompliance(RabbitMqFixture fixture) : TransportCompliance<RabbitMqFixture>(fixture);
