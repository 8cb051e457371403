using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.JetStream;

namespace Contracts.Transport.Nats;

internal sealed partial class NatsTransport
{
    /// <summary>
    /// Opens the transport for its dead letters alone, without starting a bus (<see cref="NatsDeadLetterBrowser"/>):
    /// the publishing connection only, nothing declared, the dead letters of <paramref name="endpoints"/> and of no
    /// endpoint. The dead-letter stream and each endpoint's stream must exist, so a wrong prefix or endpoint name is an
    /// error rather than an empty list.
    /// </summary>
    internal async Task OpenForDeadLettersAsync(IReadOnlyCollection<string> endpoints, CancellationToken cancellationToken)
    {
        var names = new List<string>(endpoints.Count);
        foreach (string endpoint in endpoints)
        {
            ArgumentException.ThrowIfNullOrEmpty(endpoint, nameof(endpoints));
            if (!names.Contains(endpoint))
            {
                names.Add(endpoint);
            }
        }

        await ConnectAsync(cancellationToken, consume: false).ConfigureAwait(false);
        await RequireStreamAsync(Names.DeadLetterStream, $"no bus has started with prefix '{_options.Prefix}'. Check the prefix", cancellationToken).ConfigureAwait(false);
        foreach (string endpoint in names)
        {
            await RequireStreamAsync(
                Names.EndpointStream(endpoint),
                $"no bus consuming endpoint '{endpoint}' has started with prefix '{_options.Prefix}'. Check the endpoint name (a command's contract name, or an event subscription's endpoint name)",
                cancellationToken).ConfigureAwait(false);
        }

        DeadLetterEndpoints = names;
    }

    private async Task RequireStreamAsync(string stream, string why, CancellationToken cancellationToken)
    {
        try
        {
            await JetStream.GetStreamAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            throw new InvalidOperationException($"Stream '{stream}' does not exist on NATS at {_options.Url}: {why}.", ex);
        }
    }
}
