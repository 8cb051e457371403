using System;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>What a health check asks the transport: whether the connection is up, and how many entries wait on an endpoint.</summary>
internal sealed partial class RedisTransport
{
    /// <summary>Reads the multiplexer's state; sends nothing to the server.</summary>
    public ValueTask<string> CheckConnectionAsync(CancellationToken cancellationToken)
    {
        string where = $"Redis at {_options.Configuration}";
        if (Volatile.Read(ref _connection) is not { } connection)
        {
            return ValueTask.FromException<string>(new InvalidOperationException($"Not connected to {where}: the transport has not started yet."));
        }

        if (!connection.IsConnected)
        {
            return ValueTask.FromException<string>(new InvalidOperationException(
                $"The connection to {where} is lost ({connection.GetStatus()}); it reconnects by itself, and nothing is consumed until it has."));
        }

        return ValueTask.FromResult($"connected to {where} (prefix '{_options.Prefix}')");
    }

    /// <summary>
    /// The entries of the endpoint's streams its group has not been given yet (<c>XINFO GROUPS</c>' lag), or null when
    /// Redis cannot tell (it does not know the lag after entries were deleted out of order). A stream or group that does
    /// not exist yet holds nothing for the endpoint.
    /// </summary>
    public async ValueTask<long?> CountBacklogAsync(TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        IDatabase database = Database;
        long total = 0;
        foreach (RedisKey stream in StreamsOf(endpoint))
        {
            StreamGroupInfo[] groups;
            try
            {
                groups = await database.StreamGroupInfoAsync(stream).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
            {
                continue; // no stream: no consumer ever started, and nothing can wait in it
            }

            StreamGroupInfo? mine = null;
            foreach (StreamGroupInfo group in groups)
            {
                if (group.Name == endpoint.Name)
                {
                    mine = group;
                }
            }

            if (mine is not { } found)
            {
                continue; // no group for this endpoint yet: nothing in the stream is waiting for it
            }

            if (found.Lag is not { } lag)
            {
                return null;
            }

            total += lag;
        }

        return total;
    }
}
