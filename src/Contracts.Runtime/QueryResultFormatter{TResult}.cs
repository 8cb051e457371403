using System;
using System.Buffers;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts;

/// <summary>The result formatter of queries returning <typeparamref name="TResult"/>, over a generated or built-in formatter.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public sealed class QueryResultFormatter<TResult> : QueryResultFormatter
{
    /// <summary>Created by generated code.</summary>
    /// <param name="formatter">The formatter of <typeparamref name="TResult"/>.</param>
    public QueryResultFormatter(IMessagePackFormatter<TResult> formatter)
    {
        Formatter = formatter ?? throw new ArgumentNullException(nameof(formatter));
    }

    /// <summary>The formatter of <typeparamref name="TResult"/>.</summary>
    public IMessagePackFormatter<TResult> Formatter { get; }

    /// <inheritdoc />
    public override Type ResultType => typeof(TResult);

    /// <inheritdoc />
    public override void Serialize(IBufferWriter<byte> writer, object? result)
    {
        if (result is TResult typed)
        {
            Serialize(writer, typed);
        }
        else if (result is null && default(TResult) is null)
        {
            Serialize(writer, default!);
        }
        else
        {
            throw new ArgumentException(
                $"The result is {(result is null ? "null" : $"a '{result.GetType()}'")}; this formatter writes a '{typeof(TResult)}'.",
                nameof(result));
        }
    }

    /// <summary>Writes <paramref name="result"/> in the wire format.</summary>
    /// <param name="writer">Where the bytes go.</param>
    /// <param name="result">The result; a null reference is written as nil.</param>
    public void Serialize(IBufferWriter<byte> writer, TResult result)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var msgpack = new MessagePackWriter(writer);

        // Contracts formatters take no options, like ContractDescriptor<T>'s: no MessagePack resolver (reflection) is built.
        Formatter.Serialize(ref msgpack, result, null!);
        msgpack.Flush();
    }

    /// <inheritdoc />
    public override object? Deserialize(ReadOnlyMemory<byte> payload) => DeserializeTyped(payload);

    /// <summary>Reads a result from <paramref name="payload"/>.</summary>
    /// <param name="payload">The bytes.</param>
    /// <returns>The result; <see langword="null"/> when a null reference or an empty nullable value was written.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not one result of <typeparamref name="TResult"/>.</exception>
    public TResult DeserializeTyped(ReadOnlyMemory<byte> payload)
    {
        var reader = new MessagePackReader(payload);
        TResult result;
        try
        {
            result = Formatter.Deserialize(ref reader, null!);
        }
        catch (Exception ex) when (ex is not MessagePackSerializationException and not OutOfMemoryException)
        {
            // As in ContractDescriptor<T>: truncated data (EndOfStreamException), oversized headers (OverflowException)
            // and values a constructor rejects are all unreadable bytes to a caller.
            throw new MessagePackSerializationException($"The payload is not a valid '{typeof(TResult)}' result: {ex.Message}", ex);
        }

        if (!reader.End)
        {
            throw new MessagePackSerializationException(
                $"The '{typeof(TResult)}' result has {payload.Length - reader.Consumed} unexpected trailing bytes.");
        }

        return result;
    }
}
