using System;
using System.Buffers;
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
    /// <exception cref="ArgumentException"><paramref name="resultFormatter"/> is given for a command or event.</exception>
    public ContractDescriptor(
        string name,
        int version,
        MessageKind kind,
        IMessagePackFormatter<T> formatter,
        string? resultTypeName = null,
        QueryResultFormatter? resultFormatter = null,
        bool partitioned = false)
        : base(name, version, kind, typeof(T), resultFormatter, partitioned)
    {
        Formatter = formatter ?? throw new ArgumentNullException(nameof(formatter));
        ResultTypeName = resultTypeName;
    }

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
