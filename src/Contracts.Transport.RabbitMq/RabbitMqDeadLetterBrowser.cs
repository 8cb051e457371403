using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// The dead letters of named endpoints on RabbitMQ, without a running bus: for operators' tools (the <c>contracts</c>
/// tool uses it). It reads and settles the endpoints' <c>.error</c> queues exactly as a bus's <see cref="IDeadLetters"/>
/// does: a replay publishes the message to its endpoint's queue as attempt 1, waits for the publisher confirm, and only
/// then removes it from the error queue, so a failure in between leaves it there (at least once); whichever bus
/// consumes the endpoint, now or when it starts, handles it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class RabbitMqDeadLetterBrowser : DeadLetterBrowser
{
    private readonly RabbitMqTransport _transport;

    private RabbitMqDeadLetterBrowser(RabbitMqTransport transport)
        : base(transport) => _transport = transport;

    /// <summary>
    /// Connects to the broker and opens the error queues of <paramref name="endpoints"/> and of the exchange
    /// (<see cref="RabbitMqTransportOptions.Exchange"/>). Declares nothing.
    /// </summary>
    /// <param name="options">The broker and exchange, as the buses use them.</param>
    /// <param name="endpoints">The endpoints whose dead letters to see (queue names, as in the bus's routes).</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The open browser; dispose it to close the connections.</returns>
    /// <exception cref="InvalidOperationException">The broker is not reachable, or an error queue does not exist.</exception>
    public static async Task<RabbitMqDeadLetterBrowser> ConnectAsync(RabbitMqTransportOptions options, IReadOnlyCollection<string> endpoints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoints);
        options.Validate();
        RabbitMqTransport transport = await OpenAsync(
            new RabbitMqTransport(options, NullLogger<RabbitMqTransport>.Instance, TimeProvider.System),
            t => t.OpenForDeadLettersAsync(endpoints, cancellationToken)).ConfigureAwait(false);
        return new RabbitMqDeadLetterBrowser(transport);
    }

    /// <summary>The error queues this browser reads: the exchange's own first, then one per endpoint.</summary>
    public IReadOnlyList<string> ErrorQueues => _transport.ErrorQueues;
}
