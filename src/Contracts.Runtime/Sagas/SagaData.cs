using System;
using System.Buffers;
using System.Collections.Generic;
using MessagePack;
using MessagePack.Formatters;

namespace Contracts.Sagas;

/// <summary>
/// The bytes a store keeps for a saga instance: <c>[format, state, compensations, history, timeouts]</c> in
/// MessagePack, the state as a binary of its generated formatter's bytes (so the history reads without knowing the
/// state's type). Data written before timeouts were kept has four items and reads with none pending.
/// </summary>
internal sealed class SagaData
{
    private const int Format = 1;

    /// <summary>History kept per instance; the oldest lines go first past it, so a long-running saga stays small.</summary>
    public const int MaxHistory = 256;

    public SagaData(ReadOnlyMemory<byte> state, List<StoredCompensation> compensations, List<SagaHistoryEntry> history, List<PendingTimeout> timeouts)
    {
        State = state;
        Compensations = compensations;
        History = history;
        Timeouts = timeouts;
    }

    /// <summary>The state's bytes (empty for a new instance).</summary>
    public ReadOnlyMemory<byte> State { get; }

    /// <summary>Compensations not yet run, oldest first.</summary>
    public List<StoredCompensation> Compensations { get; }

    /// <summary>The history, oldest first.</summary>
    public List<SagaHistoryEntry> History { get; }

    /// <summary>Timeouts requested and not yet come back: what the end of the saga cancels.</summary>
    public List<PendingTimeout> Timeouts { get; }

    /// <summary>Forgets a timeout that has come back (a no-op for any other message).</summary>
    public void TimeoutCame(Guid messageId)
    {
        for (int i = 0; i < Timeouts.Count; i++)
        {
            if (Timeouts[i].MessageId == messageId)
            {
                Timeouts.RemoveAt(i);
                return;
            }
        }
    }

    /// <summary>The ids of the pending timeouts, which are then no longer pending; <see langword="null"/> when there are none.</summary>
    public Guid[]? TakeTimeouts()
    {
        if (Timeouts.Count == 0)
        {
            return null;
        }

        var ids = new Guid[Timeouts.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Timeouts[i].MessageId;
        }

        Timeouts.Clear();
        return ids;
    }

    public static SagaData New() => new(ReadOnlyMemory<byte>.Empty, [], [], []);

    public static TState ReadState<TState>(ReadOnlyMemory<byte> state, IMessagePackFormatter<TState> formatter, string saga)
        where TState : class
    {
        var reader = new MessagePackReader(state);
        try
        {
            return formatter.Deserialize(ref reader, null!) ?? throw new MessagePackSerializationException("the state is nil");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new MessagePackSerializationException($"The stored state of saga '{saga}' cannot be read: {ex.Message}", ex);
        }
    }

    public static byte[] Write<TState>(TState state, IMessagePackFormatter<TState> formatter, SagaData data)
        where TState : class
    {
        List<StoredCompensation> compensations = data.Compensations;
        List<SagaHistoryEntry> history = data.History;
        var stateBuffer = new ArrayBufferWriter<byte>(256);
        var stateWriter = new MessagePackWriter(stateBuffer);
        formatter.Serialize(ref stateWriter, state, null!);
        stateWriter.Flush();

        var buffer = new ArrayBufferWriter<byte>(stateBuffer.WrittenCount + 64 + (history.Count * 64));
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(5);
        writer.Write(Format);
        writer.Write(stateBuffer.WrittenSpan);
        writer.WriteArrayHeader(compensations.Count);
        foreach (StoredCompensation compensation in compensations)
        {
            writer.WriteArrayHeader(3);
            writer.Write(compensation.Contract);
            writer.Write(compensation.Version);
            writer.Write(compensation.Payload);
        }

        int first = Math.Max(0, history.Count - MaxHistory);
        writer.WriteArrayHeader(history.Count - first);
        for (int i = first; i < history.Count; i++)
        {
            SagaHistoryEntry entry = history[i];
            writer.WriteArrayHeader(4);
            writer.Write(entry.At.ToUnixTimeMilliseconds());
            writer.Write(entry.Message);
            writer.Write(entry.MessageId.ToByteArray());
            writer.Write(entry.Note);
        }

        writer.WriteArrayHeader(data.Timeouts.Count);
        foreach (PendingTimeout timeout in data.Timeouts)
        {
            writer.WriteArrayHeader(2);
            writer.Write(timeout.MessageId.ToByteArray());
            writer.Write(timeout.DueAt.ToUnixTimeMilliseconds());
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="MessagePackSerializationException">The bytes are not saga data of this format.</exception>
    public static SagaData Read(ReadOnlyMemory<byte> data, string saga, string sagaId)
    {
        try
        {
            var reader = new MessagePackReader(data);
            int count = reader.ReadArrayHeader();
            if (count < 4 || reader.ReadInt32() != Format)
            {
                throw new MessagePackSerializationException("unknown format");
            }

            ReadOnlyMemory<byte> state = Bytes(ref reader);
            int compensationCount = reader.ReadArrayHeader();
            var compensations = new List<StoredCompensation>(compensationCount);
            for (int i = 0; i < compensationCount; i++)
            {
                reader.ReadArrayHeader();
                string contract = reader.ReadString() ?? "";
                int version = reader.ReadInt32();
                compensations.Add(new StoredCompensation(contract, version, Bytes(ref reader).ToArray()));
            }

            int historyCount = reader.ReadArrayHeader();
            var history = new List<SagaHistoryEntry>(historyCount + 4);
            for (int i = 0; i < historyCount; i++)
            {
                reader.ReadArrayHeader();
                DateTimeOffset at = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
                string message = reader.ReadString() ?? "";
                var id = new Guid(Bytes(ref reader).Span);
                history.Add(new SagaHistoryEntry(at, message, id, reader.ReadString() ?? ""));
            }

            var timeouts = new List<PendingTimeout>();
            int timeoutCount = count > 4 ? reader.ReadArrayHeader() : 0;
            for (int i = 0; i < timeoutCount; i++)
            {
                reader.ReadArrayHeader();
                var id = new Guid(Bytes(ref reader).Span);
                timeouts.Add(new PendingTimeout(id, DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64())));
            }

            return new SagaData(state, compensations, history, timeouts);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new MessagePackSerializationException($"The stored data of saga '{saga}' instance '{sagaId}' cannot be read: {ex.Message}", ex);
        }
    }

    private static ReadOnlyMemory<byte> Bytes(ref MessagePackReader reader)
    {
        ReadOnlySequence<byte>? bytes = reader.ReadBytes();
        return bytes is { } sequence ? sequence.ToArray() : ReadOnlyMemory<byte>.Empty;
    }
}
