using System;
using System.Collections;
using System.Collections.Generic;
using System.Text;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// Keeps a dead letter's properties inside one AMQP frame. The content header (properties and header table) must
/// fit the connection's negotiated frame size (128 KB by default), or the broker closes the connection with
/// <c>frame_too_large</c>. A message whose own headers come close to it would not fit with the failure added, so
/// the failure gives way, least useful first: the stack trace, then all but the start of the exception message,
/// then (only when the message's own headers alone are too big) its largest application headers, named in
/// <see cref="DroppedHeaders"/>.
/// </summary>
internal static class AmqpFrame
{
    /// <summary>Names the application headers a dead letter had to leave out to fit the frame.</summary>
    public const string DroppedHeaders = "contracts-error-dropped-headers";

    private const string Cut = "(left out: the message's own headers leave no room in the broker's frame)";
    private const int KeptMessage = 256;

    // Frame header and end (8), content header's class, weight, body size and flags (14), and room to spare.
    private const int Overhead = 8 + 14 + 512;

    /// <summary>Shrinks what <paramref name="properties"/> carry until they fit <paramref name="frameMax"/> bytes (0: no limit).</summary>
    public static void Fit(BasicProperties properties, uint frameMax)
    {
        if (frameMax == 0 || properties.Headers is not { } headers || Size(properties) + Overhead <= frameMax)
        {
            return;
        }

        headers[EnvelopeHeaders.ErrorStack] = Cut;
        if (Size(properties) + Overhead <= frameMax)
        {
            return;
        }

        if (headers.TryGetValue(EnvelopeHeaders.ErrorMessage, out object? message) && message is string { Length: > KeptMessage } text)
        {
            headers[EnvelopeHeaders.ErrorMessage] = string.Concat(text.AsSpan(0, KeptMessage), "…");
        }

        var dropped = new StringBuilder();
        while (Size(properties) + Overhead > frameMax && Largest(headers) is { } name)
        {
            headers.Remove(name);
            dropped.Append(dropped.Length == 0 ? "" : ",").Append(name);
            headers[DroppedHeaders] = dropped.ToString();
        }
    }

    /// <summary>The content header's encoded size, short of the fixed fields.</summary>
    public static long Size(IReadOnlyBasicProperties properties)
    {
        long size = 8 + 2; // timestamp, delivery mode and priority
        size += Short(properties.ContentType) + Short(properties.ContentEncoding) + Short(properties.CorrelationId) + Short(properties.ReplyTo) +
            Short(properties.Expiration) + Short(properties.MessageId) + Short(properties.Type) + Short(properties.UserId) + Short(properties.AppId) +
            Short(properties.ClusterId);
        return size + 4 + Table(properties.Headers);
    }

    /// <summary>The largest header that is not the envelope's own or the failure's: the one to give up first.</summary>
    private static string? Largest(IDictionary<string, object?> headers)
    {
        string? largest = null;
        long most = -1;
        foreach (KeyValuePair<string, object?> header in headers)
        {
            if (header.Key.StartsWith("contracts-", StringComparison.Ordinal))
            {
                continue;
            }

            long size = Value(header.Value);
            if (size > most)
            {
                (largest, most) = (header.Key, size);
            }
        }

        return largest;
    }

    private static long Short(string? value) => value is null ? 0 : 1 + Encoding.UTF8.GetByteCount(value);

    private static long Table(IDictionary<string, object?>? table)
    {
        long size = 0;
        if (table is not null)
        {
            foreach (KeyValuePair<string, object?> entry in table)
            {
                size += 1 + Encoding.UTF8.GetByteCount(entry.Key) + 1 + Value(entry.Value);
            }
        }

        return size;
    }

    private static long Value(object? value)
    {
        switch (value)
        {
            case null:
                return 0;
            case string text:
                return 4 + Encoding.UTF8.GetByteCount(text);
            case byte[] bytes:
                return 4 + bytes.Length;
            case IDictionary<string, object?> table:
                return 4 + Table(table);
            case IList list:
                long size = 4;
                foreach (object? item in list)
                {
                    size += 1 + Value(item);
                }

                return size;
            case bool or byte or sbyte:
                return 1;
            case short or ushort:
                return 2;
            case int or uint or float:
                return 4;
            default:
                return 9; // long, ulong, double, decimal, timestamp, and room for anything else
        }
    }
}
