using System;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq;

/// <summary>What a health check asks the transport: whether both connections are open, and how many messages wait on an endpoint.</summary>
internal sealed partial class RabbitMqTransport
{
    /// <summary>Reads the state of the consuming and the publishing connection; sends nothing to the broker.</summary>
    public ValueTask<string> CheckConnectionAsync(CancellationToken cancellationToken)
    {
        string where = $"RabbitMQ at {_options.Uri.Host}:{_options.Uri.Port}";
        if (Volatile.Read(ref _connection) is not { } connection || Volatile.Read(ref _link) is not { } link)
        {
            return NotConnected($"Not connected to {where}: the transport has not started yet.");
        }

        if (!connection.IsOpen)
        {
            return NotConnected($"The consuming connection to {where} is lost ({Reason(connection)}); it reconnects by itself, and nothing is consumed until it has.");
        }

        if (!link.Connection.IsOpen)
        {
            return NotConnected($"The publishing connection to {where} is lost ({Reason(link.Connection)}); it reconnects by itself, and sends wait until it has.");
        }

        if (link.Blocked)
        {
            return NotConnected($"{where} blocks publishing (a memory or disk alarm on the broker): sends wait until it lifts.");
        }

        return ValueTask.FromResult($"connected to {where} (exchange '{_options.Exchange}')");
    }

    /// <summary>The messages ready on the endpoint's queue (a partitioned endpoint's: all its partition queues), as the broker counts them (a passive declare: nothing is read).</summary>
    public async ValueTask<long?> CountBacklogAsync(TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        await using IChannel channel = await Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!IsPartitioned(endpoint))
        {
            return (await channel.QueueDeclarePassiveAsync(endpoint.Name, cancellationToken).ConfigureAwait(false)).MessageCount;
        }

        long waiting = 0;
        for (int i = 0; i < _options.Partitions; i++)
        {
            waiting += (await channel.QueueDeclarePassiveAsync(PartitionQueue(endpoint.Name, i), cancellationToken).ConfigureAwait(false)).MessageCount;
        }

        return waiting;
    }

    private static ValueTask<string> NotConnected(string message) => ValueTask.FromException<string>(new InvalidOperationException(message));

    private static string Reason(IConnection connection) =>
        connection.CloseReason is { } reason ? $"{reason.ReplyCode} {reason.ReplyText}" : "no reason given";
}
