using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts.Transport.Nats;

/// <summary>
/// The dead letters of named endpoints on NATS JetStream, without a running bus: for operators' tools (the
/// <c>contracts</c> tool uses it). It reads and settles the dead-letter stream's subjects exactly as a bus's
/// <see cref="IDeadLetters"/> does: a replay publishes the message to its endpoint's stream as attempt 1, waits for the
/// stream's acknowledgement, and only then deletes the letter, so a failure in between leaves it there (at least once,
/// and a repeated replay is stored once); whichever bus consumes the endpoint, now or when it starts, handles it.
/// </summary>
/// <remarks>
/// A letter of no endpoint (an outbox record no endpoint took) is replayed as a command to its contract's stream: the
/// browser has no contract catalog to tell an event from a command. Replay such letters of events from a bus instead.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class NatsDeadLetterBrowser : DeadLetterBrowser
{
    private readonly NatsTransport _transport;

    private NatsDeadLetterBrowser(NatsTransport transport)
        : base(transport) => _transport = transport;

    /// <summary>
    /// Connects to the server and opens the dead letters of <paramref name="endpoints"/> and of no endpoint, under
    /// <see cref="NatsTransportOptions.Prefix"/>. Declares nothing.
    /// </summary>
    /// <param name="options">The server and prefix, as the buses use them.</param>
    /// <param name="endpoints">The endpoints whose dead letters to see (names, as in the bus's routes).</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The open browser; dispose it to close the connection.</returns>
    /// <exception cref="InvalidOperationException">The server is not reachable, or the dead-letter stream or an endpoint's stream does not exist.</exception>
    public static async Task<NatsDeadLetterBrowser> ConnectAsync(NatsTransportOptions options, IReadOnlyCollection<string> endpoints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoints);
        options.Validate();
        NatsTransport transport = await OpenAsync(
            new NatsTransport(options, NullLogger<NatsTransport>.Instance, TimeProvider.System),
            t => t.OpenForDeadLettersAsync(endpoints, cancellationToken)).ConfigureAwait(false);
        return new NatsDeadLetterBrowser(transport);
    }

    /// <summary>The dead-letter subjects this browser reads: that of no endpoint first, then one per endpoint.</summary>
    public IReadOnlyList<string> Subjects => ((NatsDeadLetters)_transport.DeadLetters).Subjects();
}
