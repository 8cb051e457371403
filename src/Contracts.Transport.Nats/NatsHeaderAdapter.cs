using System;
using System.Collections.Generic;
using NATS.Client.Core;

namespace Contracts.Transport.Nats;

/// <summary>
/// <see cref="EnvelopeHeaders"/> on a NATS message: every name as a header of its own. Headers that NATS itself owns
/// (<c>Nats-Msg-Id</c>, <c>Nats-Sequence</c> and the like) are not the application's.
/// </summary>
internal sealed class NatsHeaderAdapter(NatsHeaders headers) : IHeaderReader, IHeaderWriter
{
    /// <summary>The prefix of the headers NATS owns.</summary>
    private const string NatsOwned = "Nats-";

    public NatsHeaders Headers { get; } = headers;

    /// <summary>The headers of <paramref name="envelope"/>, ready to publish.</summary>
    public static NatsHeaders Write(Envelope envelope)
    {
        var headers = new NatsHeaders();
        EnvelopeCodec.Write(envelope, new NatsHeaderAdapter(headers));
        return headers;
    }

    public void Set(string name, string value) => Headers[name] = value;

    public string? Get(string name) => Headers.TryGetLastValue(name, out string? value) ? value : null;

    public IEnumerable<KeyValuePair<string, string>> All()
    {
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in Headers)
        {
            if (!header.Key.StartsWith(NatsOwned, StringComparison.OrdinalIgnoreCase) && header.Value.Count > 0 && header.Value[^1] is { } value)
            {
                yield return new KeyValuePair<string, string>(header.Key, value);
            }
        }
    }

    /// <summary>A copy of <paramref name="source"/> without the headers <paramref name="drop"/> selects.</summary>
    public static NatsHeaders CopyWithout(NatsHeaders? source, Func<string, bool> drop)
    {
        var copy = new NatsHeaders();
        if (source is null)
        {
            return copy;
        }

        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in source)
        {
            if (!drop(header.Key))
            {
                copy[header.Key] = header.Value;
            }
        }

        return copy;
    }

    /// <summary>Whether <paramref name="name"/> is one NATS owns (never copied onto a message this transport publishes).</summary>
    public static bool IsNatsOwned(string name) => name.StartsWith(NatsOwned, StringComparison.OrdinalIgnoreCase);
}
