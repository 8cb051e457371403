using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Contracts.Transport.RabbitMq;

/// <summary>Opening the error queues of named endpoints without a bus: what <see cref="RabbitMqDeadLetterBrowser"/> runs on.</summary>
internal sealed partial class RabbitMqTransport
{
    /// <summary>
    /// Connects (a consuming connection to read the error queues, a confirmed publishing link for replays) and checks
    /// that the error queues of <paramref name="endpoints"/> and of the exchange exist: nothing is declared, consumed or
    /// bound, so a tool cannot create topology no bus asked for.
    /// </summary>
    internal async Task OpenForDeadLettersAsync(IReadOnlyCollection<string> endpoints, CancellationToken cancellationToken)
    {
        var queues = new List<(string Queue, string Endpoint)>(endpoints.Count + 1) { (ErrorQueue(""), "") };
        foreach (string endpoint in endpoints)
        {
            ArgumentException.ThrowIfNullOrEmpty(endpoint, nameof(endpoints));
            if (!queues.Exists(q => q.Endpoint == endpoint))
            {
                queues.Add((ErrorQueue(endpoint), endpoint));
            }
        }

        _connection = await ConnectAsync("dead letters", cancellationToken).ConfigureAwait(false);
        _link = await OpenLinkAsync(generation: 0, cancellationToken).ConfigureAwait(false);
        foreach ((string queue, string endpoint) in queues)
        {
            // A channel per check: a passive declare of a missing queue closes its channel.
            await using IChannel channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
            {
                throw new InvalidOperationException(
                    $"Queue '{queue}' does not exist on RabbitMQ at {_options.Uri.Host}:{_options.Uri.Port}: " +
                    (endpoint.Length == 0
                        ? $"no bus has started on exchange '{_options.Exchange}'. Check the exchange name."
                        : $"no bus consuming endpoint '{endpoint}' has started on exchange '{_options.Exchange}'. Check the endpoint and exchange names."),
                    ex);
            }
        }

        var names = new List<string>(queues.Count);
        foreach ((string queue, string _) in queues)
        {
            names.Add(queue);
        }

        ErrorQueues = names;
    }
}
