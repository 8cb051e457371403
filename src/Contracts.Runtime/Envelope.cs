using System;
using System.Collections.Generic;
using System.Threading;

namespace Contracts;

/// <summary>
/// One message in flight: the headers every transport carries, and either the message object (in memory) or
/// its payload bytes (on the wire, or in memory with serialization forced on). Only contract names from the
/// compiled catalog travel, never CLR type names.
/// </summary>
public sealed class Envelope
{
    /// <summary>Creates an envelope for <paramref name="contract"/>.</summary>
    /// <param name="contract">The contract of the message.</param>
    /// <param name="messageId">The message id (a UUID v7 from <see cref="MessageIds.NewVersion7"/> unless the producer keeps its own for a retry).</param>
    public Envelope(ContractDescriptor contract, Guid messageId)
    {
        Contract = contract ?? throw new ArgumentNullException(nameof(contract));
        MessageId = messageId;
        CorrelationId = messageId;
    }

    /// <summary>The contract of the message.</summary>
    public ContractDescriptor Contract { get; private set; }

    /// <summary>Unique per message; a producer that retries after a timeout keeps it, so duplicates can be dropped.</summary>
    public Guid MessageId
    {
        get
        {
            if (_pendingClock is not null)
            {
                DrawId();
            }

            return _messageId;
        }

        private set => _messageId = value;
    }

    private Guid _messageId;
    private Guid _correlationId;
    private bool _correlationIsId;

    /// <summary>
    /// Set while the message id, the send time (and the correlation id, when it is the message id) are still to be
    /// drawn: an inline query draws them when first read, which most handlers never do (reading the clock and drawing
    /// the id cost more than the rest of such a query).
    /// </summary>
    private TimeProvider? _pendingClock;

    /// <summary>0 when the id is drawn or not pending, 1 while a reader draws it, so two readers never see two ids.</summary>
    private int _drawing;

    /// <summary>The conversation this message belongs to; the message id of the first message unless given.</summary>
    public Guid CorrelationId
    {
        get
        {
            if (_pendingClock is not null)
            {
                DrawId();
            }

            return _correlationId;
        }

        set
        {
            if (_pendingClock is not null)
            {
                DrawId();
            }

            _correlationId = value;
        }
    }

    /// <summary>The id of the message whose handler sent this one, if any.</summary>
    public Guid? CausationId { get; set; }

    // The send time is kept as UTC ticks, not a DateTimeOffset: every in-memory send allocates an envelope, and a
    // smaller one is a cheaper one.
    private long _sentAtUtcTicks;

    /// <summary>The generated idempotency key, or <see langword="null"/> when the contract has no key members.</summary>
    /// <remarks>An envelope that carries its message in memory computes the key on first use: most deliveries never need it.</remarks>
    public string? IdempotencyKey
    {
        get
        {
            // An event's envelope is shared by its subscriptions' workers: each may compute the same key; the flag
            // is cleared only after the key is written, so a reader that sees it cleared sees the key.
            if (Volatile.Read(ref _keyFromMessage) && Message is { } message)
            {
                _idempotencyKey = Contract.GetIdempotencyKey(message);
                Volatile.Write(ref _keyFromMessage, false);
            }

            return _idempotencyKey;
        }

        set
        {
            _idempotencyKey = value;
            _keyFromMessage = false;
        }
    }

    private string? _idempotencyKey;
    private bool _keyFromMessage;

    /// <summary>
    /// Makes this envelope a new one for <paramref name="contract"/>, as the constructor would: an inline query's
    /// envelope is reused by the next query on its thread once its handler has finished (see <c>docs/queries.md</c>).
    /// </summary>
    internal Envelope Recycle(ContractDescriptor contract, Guid messageId)
    {
        // Stores of references into an old object cost a GC write barrier each; the same value is not stored again.
        if (!ReferenceEquals(Contract, contract))
        {
            Contract = contract;
        }

        // The clock (if an id was still pending) is left for ForInlineQuery, which sets it again.
        _correlationIsId = false;
        _messageId = messageId;
        _correlationId = messageId;
        CausationId = null;
        _sentAtUtcTicks = 0;
        _idempotencyKey = null;
        _keyFromMessage = false;
        Attempt = 1;
        TraceParent = null;
        _rare = null;
        Message = null;
        Payload = default;
        return this;
    }

    /// <summary>
    /// Where this envelope is in <see cref="Transport.InMemory.EnvelopePool"/>'s cycle: <see cref="NotPooled"/> (made
    /// by <c>new</c>: never reused), <see cref="Rented"/> (a queued command in process), <see cref="Released"/> (its
    /// delivery finished at once and nothing outside the pipeline was given it: the transport may reuse it).
    /// </summary>
    private byte _pooling;

    internal const byte NotPooled = 0, Rented = 1, Released = 2;

    internal byte Pooling => _pooling;

    /// <summary>Taken from the pool for a new message; see <see cref="_pooling"/>.</summary>
    internal void MarkRented() => _pooling = Rented;

    /// <summary>The consume pipeline is done with a rented envelope: unless it was given out, the transport may reuse it.</summary>
    internal void Release()
    {
        if (_pooling == Rented)
        {
            _pooling = Released;
        }
    }

    /// <summary>Given to code that may keep it (a handler asked for <see cref="MessageContext.Envelope"/>): never reused.</summary>
    internal void KeepForGood() => _pooling = NotPooled;

    /// <summary>
    /// An inline query's envelope, made new for <paramref name="contract"/> (recycled when given): its message id and
    /// send time are drawn from <paramref name="clock"/> when first read, or by <see cref="DrawId"/>; its correlation
    /// id is <paramref name="correlationId"/>, or the message id when null.
    /// </summary>
    internal static Envelope ForInlineQuery(Envelope? recycled, ContractDescriptor contract, TimeProvider clock, Guid? correlationId)
    {
        Envelope envelope = recycled?.Recycle(contract, Guid.Empty) ?? new Envelope(contract, Guid.Empty);
        envelope._correlationIsId = correlationId is null;
        envelope._correlationId = correlationId.GetValueOrDefault();
        if (!ReferenceEquals(envelope._pendingClock, clock))
        {
            envelope._pendingClock = clock; // a recycled envelope's is null: only a new one's is ever stored twice
        }

        return envelope;
    }

    /// <summary>Draws the message id and send time of an envelope made by <see cref="ForInlineQuery"/>, once, whoever reads first.</summary>
    internal void DrawId()
    {
        if (Interlocked.CompareExchange(ref _drawing, 1, 0) != 0)
        {
            // Another thread of the same handler is drawing: wait for its id rather than make a second.
            var spin = default(SpinWait);
            while (Volatile.Read(ref _pendingClock) is not null)
            {
                spin.SpinOnce();
            }

            return;
        }

        TimeProvider? clock = _pendingClock;
        if (clock is not null)
        {
            DateTimeOffset now = clock.GetUtcNow();
            _messageId = MessageIds.NewVersion7(now);
            _sentAtUtcTicks = now.UtcTicks;
            if (_correlationIsId)
            {
                _correlationId = _messageId;
            }

            Volatile.Write(ref _pendingClock, null);
        }

        Volatile.Write(ref _drawing, 0);
    }

    /// <summary>Leaves the key to be computed from <see cref="Message"/> when first read.</summary>
    internal void KeyFromMessage() => _keyFromMessage = true;

    /// <summary>The delivery attempt, starting at 1.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>When the producer sent the message (kept in UTC).</summary>
    public DateTimeOffset SentAt
    {
        get
        {
            if (_pendingClock is not null)
            {
                DrawId();
            }

            return new(_sentAtUtcTicks, TimeSpan.Zero);
        }

        set
        {
            if (_pendingClock is not null)
            {
                DrawId();
            }

            _sentAtUtcTicks = value.UtcTicks;
        }
    }

    /// <summary>The earliest time the message may be delivered, for delayed sends.</summary>
    public DateTimeOffset? DeliverAt
    {
        get => _rare?.DeliverAt;
        set => Rare(value is not null)?.DeliverAt = value;
    }

    /// <summary>For a query on a broker: when its caller stops waiting, after which handling it is pointless.</summary>
    public DateTimeOffset? DeliverBy
    {
        get => _rare?.DeliverBy;
        set => Rare(value is not null)?.DeliverBy = value;
    }

    /// <summary>Where the reply to a query goes, on transports that need an address.</summary>
    public string? ReplyTo
    {
        get => _rare?.ReplyTo;
        set => Rare(value is not null)?.ReplyTo = value;
    }

    /// <summary>The W3C <c>traceparent</c> of the producer's activity.</summary>
    public string? TraceParent { get; set; }

    /// <summary>The W3C <c>tracestate</c> of the producer's activity.</summary>
    public string? TraceState
    {
        get => _rare?.TraceState;
        set => Rare(value is not null)?.TraceState = value;
    }

    /// <summary>The priority for endpoints that honour one (0, the lowest, unless the producer set it).</summary>
    public byte Priority
    {
        get => _rare?.Priority ?? 0;
        set => Rare(value != 0)?.Priority = value;
    }

    /// <summary>Application headers, or <see langword="null"/> when there are none.</summary>
    public IReadOnlyDictionary<string, string>? Headers
    {
        get => _rare?.Headers;
        set => Rare(value is not null)?.Headers = value;
    }

    /// <summary>
    /// Headers most messages never set live in a second object, created by the first of them that is set: every
    /// in-memory send allocates an envelope, and a smaller one is a cheaper one.
    /// </summary>
    private RareHeaders? _rare;

    private RareHeaders? Rare(bool setting) => _rare ?? (setting ? _rare = new RareHeaders() : null);

    private sealed class RareHeaders
    {
        public DateTimeOffset? DeliverAt;
        public DateTimeOffset? DeliverBy;
        public string? ReplyTo;
        public string? TraceState;
        public byte Priority;
        public IReadOnlyDictionary<string, string>? Headers;
        public Queries.QueryReply? Reply;

        public RareHeaders Clone() => (RareHeaders)MemberwiseClone();
    }

    /// <summary>The message object, when it travels in memory.</summary>
    public object? Message { get; set; }

    /// <summary>The serialized message, when it travels as bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; set; }

    /// <summary>The payload, serialized from <see cref="Message"/> when the envelope travelled in memory without one (for a store row).</summary>
    internal ReadOnlyMemory<byte> PayloadForStore()
    {
        if (!Payload.IsEmpty || Message is null)
        {
            return Payload;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        Contract.Serialize(buffer, Message);
        return buffer.WrittenMemory;
    }

    /// <summary>A copy for a later attempt: an event's envelope is shared by its subscriptions, so a retry must not change it.</summary>
    internal Envelope ForAttempt(int attempt, DateTimeOffset deliverAt)
    {
        var copy = (Envelope)MemberwiseClone();
        copy._rare = _rare?.Clone();
        copy.Attempt = attempt;
        copy.DeliverAt = deliverAt;
        return copy;
    }

    /// <summary>For a query: the caller waiting for the reply (in memory), or the handler's reply to send (on a broker).</summary>
    internal Queries.QueryReply? Reply
    {
        get => _rare?.Reply;
        set => Rare(value is not null)?.Reply = value;
    }
}
