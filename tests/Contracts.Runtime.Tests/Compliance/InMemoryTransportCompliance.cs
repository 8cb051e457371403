using System;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using Contracts.Transport;

namespace Contracts.Runtime.Tests.Compliance;

/// <summary>The in-memory transport: nothing survives a stop, and each bus is its own process.</summary>
public class InMemoryFixture : TransportFixture
{
    protected virtual bool SerializeMessages => false;

    public override void UseTransport(ContractsOptions options, Action<TransportOptions> endpoints) =>
        options.UseInMemoryTransport(t =>
        {
            t.SerializeMessages = SerializeMessages;
            endpoints(t);
        });

    // In process the bytes arrive as an envelope's payload, which the consumer reads with the contract's formatter.
    public override Task SendUnreadableAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload) =>
        SendThroughTransportAsync(services, contractName, contractVersion, payload);
}

/// <summary>The in-memory transport with every message pushed through its generated formatter.</summary>
public sealed class SerializingInMemoryFixture : InMemoryFixture
{
    protected override bool SerializeMessages => true;
}

// One collection: the suite counts the Contracts meter per contract, which two suites running at once would mix.
[Collection(nameof(InMemoryTransportCompliance))]
public sealed class InMemoryTransportCompliance(InMemoryFixture fixture) : TransportCompliance<InMemoryFixture>(fixture);

[Collection(nameof(InMemoryTransportCompliance))]
public sealed class SerializingInMemoryTransportCompliance(SerializingInMemoryFixture fixture) : TransportCompliance<SerializingInMemoryFixture>(fixture);
