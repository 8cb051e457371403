using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts;

/// <summary>The descriptor of contract <typeparamref name="T"/>, with its generated formatter.</summary>
/// <typeparam name="T">The contract type.</typeparam>
public sealed class ContractDescriptor<T> : ContractDescriptor
    where T : class, IContract<T>
{
    /// <summary>Created by generated code.</summary>
    /// <param name="name">The wire name.</param>
    /// <param name="version">The version.</param>
    /// <param name="kind">Command, event or query.</param>
    /// <param name="formatter">The generated formatter.</param>
    /// <param name="resultTypeName">For a query, its result type's name.</param>
    /// <param name="resultFormatter">For a query whose result type can be serialized, the formatter of its result.</param>
    /// <param name="partitioned">Whether the contract has <see cref="PartitionKeyAttribute"/> members.</param>
    /// <param name="upcasts">The older versions it reads (<see cref="UpcastFromAttribute"/>), with their generated conversions.</param>
    /// <exception cref="ArgumentException"><paramref name="resultFormatter"/> is given for a command or event.</exception>
    public ContractDescriptor(
        string name,
        int version,
        MessageKind kind,
        IMessagePackFormatter<T> formatter,
        string? resultTypeName = null,
        QueryResultFormatter? resultFormatter = null,
        bool partitioned = false,
        ContractUpcast[]? upcasts = null)
        : base(name, version, kind, typeof(T), resultFormatter, partitioned)
    {
        Formatter = formatter ?? throw new ArgumentNullException(nameof(formatter));
        ResultTypeName = resultTypeName;
        Upcasts = upcasts ?? [];
    }

    /// <summary>The older versions this contract reads (<see cref="UpcastFromAttribute"/>), each with its conversion.</summary>
    public IReadOnlyList<ContractUpcast> Upcasts { get; }

    /// <summary>
    /// Reads a message of this contract or of an older version it upcasts from (directly, or through that version's own
    /// upcasts): what an event store's replay or a projection calls with the name and version it stored beside the bytes.
    /// </summary>
    /// <param name="name">The wire name the bytes were written under.</param>
    /// <param name="version">The version they were written as.</param>
    /// <param name="payload">The bytes.</param>
    /// <param name="message">The message, as this version.</param>
    /// <returns>Whether <paramref name="name"/> and <paramref name="version"/> are this contract or a version it reads; false leaves the bytes unread.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not a message of the version they are said to be.</exception>
    public bool TryRead(string name, int version, ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out T? message)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (version == Version && string.Equals(name, Name, StringComparison.Ordinal))
        {
            message = DeserializeTyped(payload);
            return true;
        }

        object? older = ReadOlder(this, name, version, payload);
        message = older as T;
        return message is not null;
    }

    /// <summary>The message of <paramref name="contract"/> read from the bytes of an older version, or null.</summary>
    private static object? ReadOlder(ContractDescriptor contract, string name, int version, ReadOnlyMemory<byte> payload)
    {
        IReadOnlyList<ContractUpcast> upcasts = contract.OlderVersions;
        for (int i = 0; i < upcasts.Count; i++)
        {
            ContractUpcast upcast = upcasts[i];
            ContractDescriptor older = upcast.Older;
            object? read = older.Version == version && string.Equals(older.Name, name, StringComparison.Ordinal)
                ? older.Deserialize(payload)
                : ReadOlder(older, name, version, payload);
            if (read is not null)
            {
                return upcast.Upcast(read);
            }
        }

        return null;
    }

    /// <inheritdoc />
    internal override IReadOnlyList<ContractUpcast> OlderVersions => Upcasts;

    /// <summary>The generated MessagePack formatter.</summary>
    public IMessagePackFormatter<T> Formatter { get; }

    /// <inheritdoc />
    public override string? ResultTypeName { get; }

    /// <inheritdoc />
    public override void Serialize(IBufferWriter<byte> writer, object message) => Serialize(writer, (T)message);

    /// <summary>Writes <paramref name="message"/> in the contract's wire format.</summary>
    /// <param name="writer">Where the bytes go.</param>
    /// <param name="message">The message.</param>
    public void Serialize(IBufferWriter<byte> writer, T message)
    {
        var msgpack = new MessagePackWriter(writer);

        // Contracts formatters take no options (see WireFormat.EnterDepth): none is built, so no MessagePack
        // resolver or security object, with their reflection, is ever constructed.
        Formatter.Serialize(ref msgpack, message, null!);
        msgpack.Flush();
    }

    /// <inheritdoc />
    public override object Deserialize(ReadOnlyMemory<byte> payload) => DeserializeTyped(payload);

    /// <summary>Reads a message from <paramref name="payload"/>.</summary>
    /// <param name="payload">The bytes.</param>
    /// <returns>The message.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not a message of this contract.</exception>
    public T DeserializeTyped(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        T? message;
        try
        {
            message = Formatter.Deserialize(ref reader, null!);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // MessagePack's reader reports truncated data as EndOfStreamException and oversized headers as
            // OverflowException, and a constructor may reject a value: to a caller they are all unreadable bytes,
            // and every such error names the contract the same way.
            throw new MessagePackSerializationException($"The payload is not a valid '{Name}': {ex.Message}", ex);
        }

        if (message is null)
        {
            throw new MessagePackSerializationException($"The payload is not a valid '{Name}': it is nil.");
        }

        if (!reader.End)
        {
            throw new MessagePackSerializationException(
                $"The payload is not a valid '{Name}': {payload.Length - reader.Consumed} unexpected trailing bytes.");
        }

        return message;
    }

    /// <inheritdoc />
    public override string? GetIdempotencyKey(object message) => T.GetIdempotencyKey((T)message);

    /// <inheritdoc />
    public override ulong? GetPartitionKey(object message) => T.GetPartitionKey((T)message);
}
