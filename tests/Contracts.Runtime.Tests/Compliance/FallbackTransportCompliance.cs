using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using Contracts.Transport;

namespace Contracts.Runtime.Tests.Compliance;

/// <summary>
/// The in-memory transport with its native delays and dead letters hidden: the core's fallbacks (delays held by the
/// store's scheduler, dead letters kept, listed and replayed through the store) must pass the same suite.
/// </summary>
public sealed class FallbackFixture : InMemoryFixture
{
    public override void UseTransport(ContractsOptions options, Action<TransportOptions> endpoints)
    {
        var settings = new InMemoryTransportOptions();
        endpoints(settings);
        options.UseTransport(settings, static services => new WithoutNativeDelayOrDeadLetters(services));
    }

    /// <summary>A transport that does less than the one it wraps: what a broker without delays or dead letters offers.</summary>
    private sealed class WithoutNativeDelayOrDeadLetters(TransportServices services) : WrappedTransport(services)
    {
        public override TransportCapabilities Capabilities => Inner.Capabilities & ~(TransportCapabilities.NativeDelay | TransportCapabilities.NativeDeadLetters);

        public override IDeadLetterQueue DeadLetters => throw new NotSupportedException("This transport keeps no dead letters: the core keeps them in the store.");

        public override ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken)
        {
            // Without native delays nothing may reach the transport before it is due.
            if (envelope.DeliverAt is { } due && due > DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(5))
            {
                throw new InvalidOperationException($"'{envelope.Contract}' {envelope.MessageId} reached a transport without native delays {due - DateTimeOffset.UtcNow} early.");
            }

            return Inner.SendAsync(envelope, endpoint, cancellationToken);
        }
    }
}

[Collection(nameof(InMemoryTransportCompliance))]
public sealed class FallbackTransportCompliance(FallbackFixture fixture) : TransportCompliance<FallbackFixture>(fixture);
