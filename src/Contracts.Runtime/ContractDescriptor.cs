using System;
using System.Buffers;
using System.Threading;
using MessagePack;

namespace Contracts;

/// <summary>
/// What the runtime knows about one contract: wire name, version, kind, formatter and, for a query, the formatter
/// of its result. Instances are created by generated code, one per contract type, and live for the process.
/// </summary>
public abstract class ContractDescriptor
{
    private static int s_count;

    private protected ContractDescriptor(string name, int version, MessageKind kind, Type clrType, QueryResultFormatter? resultFormatter, bool partitioned)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        if (resultFormatter is not null && kind != MessageKind.Query)
        {
            throw new ArgumentException($"'{name}' is a {kind.ToString().ToLowerInvariant()}; only a query has a result formatter.", nameof(resultFormatter));
        }

        Name = name;
        Version = version;
        Kind = kind;
        ClrType = clrType;
        ResultFormatter = resultFormatter;
        HasPartitionKey = partitioned;
        Index = Interlocked.Increment(ref s_count) - 1;
    }

    /// <summary>The stable wire name.</summary>
    public string Name { get; }

    /// <summary>The contract version.</summary>
    public int Version { get; }

    /// <summary>Command, event or query.</summary>
    public MessageKind Kind { get; }

    /// <summary>The CLR type, for diagnostics only: it never travels on the wire.</summary>
    public Type ClrType { get; }

    /// <summary>A process-wide dense index that routing tables use instead of a dictionary of types.</summary>
    internal int Index { get; }

    /// <summary>The result type's name for a query, otherwise <see langword="null"/>.</summary>
    public abstract string? ResultTypeName { get; }

    /// <summary>
    /// Writes and reads the query's result, so that a reply can travel on a broker. <see langword="null"/> for a
    /// command or event, and for a query whose result type the generator cannot serialize (it still works in process).
    /// </summary>
    public QueryResultFormatter? ResultFormatter { get; }

    /// <summary>Writes <paramref name="message"/> in the contract's wire format.</summary>
    /// <param name="writer">Where the bytes go.</param>
    /// <param name="message">A message of this contract.</param>
    public abstract void Serialize(IBufferWriter<byte> writer, object message);

    /// <summary>Reads a message of this contract from <paramref name="payload"/>.</summary>
    /// <param name="payload">Bytes written by <see cref="Serialize"/> of this or another version of the contract.</param>
    /// <returns>The message.</returns>
    /// <exception cref="MessagePackSerializationException">The bytes are not a message of this contract.</exception>
    public abstract object Deserialize(ReadOnlyMemory<byte> payload);

    /// <summary>The idempotency key of <paramref name="message"/>, or <see langword="null"/> without key members.</summary>
    /// <param name="message">A message of this contract.</param>
    public abstract string? GetIdempotencyKey(object message);

    /// <summary>Whether the contract has <see cref="PartitionKeyAttribute"/> members: its endpoints keep order per key.</summary>
    public bool HasPartitionKey { get; }

    /// <summary>
    /// The stable 64-bit hash of the message's partition key (the same in every process and run), or
    /// <see langword="null"/> when the contract has no partition key members.
    /// </summary>
    /// <param name="message">A message of this contract.</param>
    public abstract ulong? GetPartitionKey(object message);

    /// <summary>
    /// The partition key hash of <paramref name="envelope"/>'s message, a message of this contract: read from the
    /// payload when only bytes travel (a row taken over from a store, the outbox relay). A payload that cannot be read
    /// gets 0, and without key members it is 0 too: the consumer dead-letters an unreadable one.
    /// </summary>
    /// <param name="envelope">An envelope of this contract.</param>
    /// <returns>The hash, or 0.</returns>
    public ulong PartitionKeyOf(Envelope envelope)
    {
        object? message = envelope.Message;
        if (message is null)
        {
            try
            {
                message = Deserialize(envelope.Payload);
            }
            catch (MessagePackSerializationException)
            {
                return 0;
            }
        }

        return GetPartitionKey(message) ?? 0;
    }

    /// <summary>The older versions this contract reads (<see cref="UpcastFromAttribute"/>); empty for most.</summary>
    internal abstract System.Collections.Generic.IReadOnlyList<ContractUpcast> OlderVersions { get; }

    /// <inheritdoc />
    public override string ToString() => Version == 1 ? Name : $"{Name} v{Version}";
}
