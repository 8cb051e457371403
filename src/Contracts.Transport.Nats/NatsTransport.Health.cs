using System;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Contracts.Transport.Nats;

/// <summary>What a health check asks the transport: whether the connection is open, and how many messages wait on an endpoint.</summary>
internal sealed partial class NatsTransport
{
    /// <summary>Reads the connection's state; sends nothing to the server.</summary>
    public ValueTask<string> CheckConnectionAsync(CancellationToken cancellationToken)
    {
        string where = $"NATS at {_options.Url}";
        if (Volatile.Read(ref _connection) is not { } connection)
        {
            return NotConnected($"Not connected to {where}: the transport has not started yet.");
        }

        return connection.ConnectionState switch
        {
            NatsConnectionState.Open => ValueTask.FromResult($"connected to {where} (JetStream, prefix '{_options.Prefix}')"),
            NatsConnectionState.Connecting or NatsConnectionState.Reconnecting =>
                NotConnected($"The connection to {where} is lost; it reconnects by itself, and nothing is consumed or sent until it has."),
            _ => NotConnected($"The connection to {where} is {connection.ConnectionState.ToString().ToLowerInvariant()}: nothing is consumed or sent."),
        };
    }

    /// <summary>
    /// The messages not yet delivered to any process from the endpoint's stream, as its consumer counts them (for an
    /// event subscription, its consumer on the event stream too): the server's count, nothing is read.
    /// </summary>
    public async ValueTask<long?> CountBacklogAsync(TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        if (IsPartitioned(endpoint))
        {
            return await CountPartitionBacklogAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }

        INatsJSConsumer worker = await JetStream.GetConsumerAsync(Names.EndpointStream(endpoint.Name), NatsNames.WorkerConsumer, cancellationToken).ConfigureAwait(false);
        long backlog = (long)worker.Info.NumPending;
        if (endpoint.Contract.Kind == MessageKind.Event)
        {
            INatsJSConsumer subscription = await JetStream.GetConsumerAsync(Names.EventStream, Names.SubscriptionConsumer(endpoint.Name), cancellationToken).ConfigureAwait(false);
            backlog += (long)subscription.Info.NumPending;
        }

        return backlog;
    }

    private static ValueTask<string> NotConnected(string message) => ValueTask.FromException<string>(new InvalidOperationException(message));
}
