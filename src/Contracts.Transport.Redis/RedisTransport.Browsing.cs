using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

internal sealed partial class RedisTransport
{
    /// <summary>
    /// Opens the transport for its dead letters alone, without starting a bus (<see cref="RedisDeadLetterBrowser"/>): one
    /// connection, nothing created, the dead-letter streams of <paramref name="endpoints"/> and of no endpoint. Each
    /// endpoint's own stream must exist (a consumer creates it with its group), so a wrong prefix or endpoint name is an
    /// error rather than an empty list; a dead-letter stream may not exist yet (nothing failed there).
    /// </summary>
    internal async Task OpenForDeadLettersAsync(IReadOnlyCollection<string> endpoints, CancellationToken cancellationToken)
    {
        var streams = new List<RedisKey>(endpoints.Count + 1) { DeadLetterStreamOf("") };
        var names = new List<string>(endpoints.Count);
        foreach (string endpoint in endpoints)
        {
            ArgumentException.ThrowIfNullOrEmpty(endpoint, nameof(endpoints));
            if (!names.Contains(endpoint))
            {
                names.Add(endpoint);
                streams.Add(DeadLetterStreamOf(endpoint));
            }
        }

        _connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        IDatabase database = _connection.GetDatabase();
        foreach (string endpoint in names)
        {
            RedisKey stream = StreamOf(endpoint);
            if (!await database.KeyExistsAsync(stream).WaitAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException(
                    $"Stream '{stream}' does not exist on Redis at {_options.Configuration}: no bus consuming endpoint '{endpoint}' has started with prefix " +
                    $"'{_options.Prefix}'. Check the endpoint name (a command's contract name, or an event subscription's endpoint name) and the prefix.");
            }
        }

        DeadLetterStreams = streams;
    }
}
