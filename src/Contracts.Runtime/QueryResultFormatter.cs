using System;
using System.Buffers;
using MessagePack;

namespace Contracts;

/// <summary>
/// Writes and reads the result of a query in the Contracts wire format, so that a reply can travel on a broker.
/// Generated code creates one per query whose result type can be serialized; see <see cref="ContractDescriptor.ResultFormatter"/>.
/// </summary>
public abstract class QueryResultFormatter
{
    private protected QueryResultFormatter()
    {
    }

    /// <summary>The result type (without nullable reference annotations, which do not exist at run time).</summary>
    public abstract Type ResultType { get; }

    /// <summary>Writes <paramref name="result"/> in the wire format.</summary>
    /// <param name="writer">Where the bytes go.</param>
    /// <param name="result">A result of <see cref="ResultType"/>, or <see langword="null"/> (written as nil) where the type allows it.</param>
    /// <exception cref="ArgumentException"><paramref name="result"/> is not a <see cref="ResultType"/>, or is null for a non-nullable value type.</exception>
    public abstract void Serialize(IBufferWriter<byte> writer, object? result);

    /// <summary>Reads a result from <paramref name="payload"/>.</summary>
    /// <param name="payload">Bytes written by <see cref="Serialize"/>.</param>
    /// <returns>The result; <see langword="null"/> when a null result was written.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not one result of <see cref="ResultType"/>.</exception>
    public abstract object? Deserialize(ReadOnlyMemory<byte> payload);
}
