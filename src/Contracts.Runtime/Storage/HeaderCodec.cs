using System;
using System.Buffers;
using System.Collections.Generic;
using MessagePack;

namespace Contracts.Storage;

/// <summary>Encodes application headers as a MessagePack map, for stores that keep them in one column.</summary>
public static class HeaderCodec
{
    /// <summary>The headers as bytes, or <see langword="null"/> when there are none.</summary>
    /// <param name="headers">The headers.</param>
    /// <returns>The bytes.</returns>
    public static byte[]? Encode(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(64);
        var writer = new MessagePackWriter(buffer);
        writer.WriteMapHeader(headers.Count);
        foreach (KeyValuePair<string, string> header in headers)
        {
            writer.Write(header.Key);
            writer.Write(header.Value);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Headers from <see cref="Encode"/>'s bytes.</summary>
    /// <param name="bytes">The bytes; empty for none.</param>
    /// <returns>The headers, or <see langword="null"/>.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not a header map.</exception>
    public static IReadOnlyDictionary<string, string>? Decode(ReadOnlyMemory<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return null;
        }

        var reader = new MessagePackReader(bytes);
        int count = reader.ReadMapHeader();
        if (count > 4096)
        {
            throw new MessagePackSerializationException($"A header map of {count} entries is not plausible.");
        }

        var headers = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString() ?? "";
            headers[key] = reader.ReadString() ?? "";
        }

        return headers;
    }
}
