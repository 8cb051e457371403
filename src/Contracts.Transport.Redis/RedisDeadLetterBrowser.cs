using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// The dead letters of named endpoints on Redis, without a running bus: for operators' tools (the <c>contracts</c> tool
/// uses it). It reads and settles the endpoints' dead-letter streams exactly as a bus's <see cref="IDeadLetters"/> does:
/// a replay adds the message to its endpoint's stream as attempt 1 and deletes the letter in one <c>MULTI</c>, so it is
/// never both or neither; whichever bus consumes the endpoint, now or when it starts, handles it.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class RedisDeadLetterBrowser : DeadLetterBrowser
{
    private readonly RedisTransport _transport;

    private RedisDeadLetterBrowser(RedisTransport transport)
        : base(transport) => _transport = transport;

    /// <summary>
    /// Connects to the server and opens the dead-letter streams of <paramref name="endpoints"/> and of no endpoint,
    /// under <see cref="RedisTransportOptions.Prefix"/>. Creates nothing.
    /// </summary>
    /// <param name="options">The server and prefix, as the buses use them.</param>
    /// <param name="endpoints">The endpoints whose dead letters to see (names, as in the bus's routes).</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    /// <returns>The open browser; dispose it to close the connection.</returns>
    /// <exception cref="InvalidOperationException">The server is not reachable, or an endpoint's stream does not exist.</exception>
    public static async Task<RedisDeadLetterBrowser> ConnectAsync(RedisTransportOptions options, IReadOnlyCollection<string> endpoints, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoints);
        options.Validate();
        RedisTransport transport = await OpenAsync(
            new RedisTransport(options, NullLogger<RedisTransport>.Instance, TimeProvider.System),
            t => t.OpenForDeadLettersAsync(endpoints, cancellationToken)).ConfigureAwait(false);
        return new RedisDeadLetterBrowser(transport);
    }

    /// <summary>The dead-letter streams this browser reads: that of no endpoint first, then one per endpoint.</summary>
    public IReadOnlyList<string> Streams
    {
        get
        {
            IReadOnlyList<RedisKey> streams = _transport.DeadLetterStreams;
            string[] names = new string[streams.Count];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = streams[i].ToString();
            }

            return names;
        }
    }
}
