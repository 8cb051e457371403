using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
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
public sealed class RabbitMqDeadLetterBrowser : IDeadLetters, IAsyncDisposable
{
    private readonly RabbitMqTransport _transport;

    private RabbitMqDeadLetterBrowser(RabbitMqTransport transport) => _transport = transport;

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
        var transport = new RabbitMqTransport(options, NullLogger<RabbitMqTransport>.Instance, TimeProvider.System);
        try
        {
            await transport.OpenForDeadLettersAsync(endpoints, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new RabbitMqDeadLetterBrowser(transport);
    }

    /// <summary>The error queues this browser reads: the exchange's own first, then one per endpoint.</summary>
    public IReadOnlyList<string> ErrorQueues => _transport.ErrorQueues;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        _transport.DeadLetters.ListAsync(afterId, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default) => _transport.DeadLetters.GetAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default) => _transport.DeadLetters.ReplayAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default) =>
        _transport.DeadLetters.PurgeAsync(failedBefore, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _transport.DisposeAsync();
}
