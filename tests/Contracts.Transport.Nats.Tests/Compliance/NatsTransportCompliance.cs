using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using Contracts.Transport;

namespace Contracts.Transport.Nats.Tests.Compliance;

/// <summary>
/// The real server of the <see cref="NatsServer"/> assembly fixture, under a prefix of the suite's own (<c>compliance</c>),
/// so a reset deletes the suite's streams and nothing else. Other tests of this assembly start hosts too, and every bus
/// here has the suite's handlers compiled in: a bus of the suite consumes only the suite's endpoints.
/// </summary>
public sealed class NatsFixture : TransportFixture
{
    public const string Prefix = "compliance";

    public override bool SurvivesRestart => true;

    public override bool CompetingProcesses => true;

    public override void UseTransport(ContractsOptions options, Action<TransportOptions> endpoints) =>
        options.UseNats(NatsServer.Url, t =>
        {
            t.Prefix = Prefix;
            t.Defaults.Consume = false;
            foreach (string endpoint in ComplianceEndpoints.All)
            {
                t.Endpoint(endpoint, e => e.Consume = true);
            }

            endpoints(t);
        });

    // Every stream of the suite's prefix: dead letters outlive a test, and IDeadLetters lists all of the bus's.
    public override Task ResetAsync(IReadOnlyList<string> endpointNames) => NatsServer.ResetAsync(Prefix);

    /// <summary>Publishes the bytes with the headers the transport writes, straight to the endpoint's subject.</summary>
    public override Task SendUnreadableAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload) =>
        NatsServer.PublishAsync($"{Prefix}.q.{endpoint}", NatsServer.Headers(contractName, contractVersion), payload);
}

public sealed class NatsTransportCompliance(NatsFixture fixture) : TransportCompliance<NatsFixture>(fixture);
