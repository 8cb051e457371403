using System;
using System.Collections.Concurrent;
using System.Threading;

namespace Contracts.Transport.InMemory;

/// <summary>
/// Envelopes of commands sent to a queue in this process, reused once their delivery has finished: without it an
/// envelope is most of what a queued message allocates.
/// </summary>
/// <remarks>
/// <para>
/// The bus rents an envelope for a command it sends in process (<see cref="Rent"/>), the consume pipeline releases it
/// when its delivery finished at once and nothing outside the pipeline was given it (no middleware; the handler did
/// not ask for <see cref="MessageContext.Envelope"/>, which keeps it out of the pool for good; the handler's
/// <see cref="MessageContext"/> throws once it has returned), and the in-memory transport returns a released one here
/// once the delivery is settled (<see cref="Return"/>). A rented envelope that is never released (a failed attempt,
/// a handler that suspended, a send that failed) is left to the collector.
/// </para>
/// <para>
/// Producer and consumer are usually different threads, so envelopes travel between them in magazines of
/// <see cref="MagazineSize"/>: each thread fills a magazine of returns and takes from a magazine of rentals of its own,
/// without atomic operations, and only a full or an empty magazine crosses threads (two queue operations per
/// <see cref="MagazineSize"/> messages). At most <see cref="MaxShared"/> full magazines wait between threads; more
/// returns than that are dropped, so a burst does not pin its envelopes for good.
/// </para>
/// </remarks>
internal static class EnvelopePool
{
    private const int MagazineSize = 64;
    private const int MaxShared = 64;

    private static readonly ConcurrentQueue<Magazine> s_full = new();
    private static readonly ConcurrentQueue<Magazine> s_empty = new();
    private static int s_fullCount;

#pragma warning disable IDE1006 // thread-static fields are t_camel, which the naming rules cannot express
    [ThreadStatic]
    private static Magazine? t_rentals;

    [ThreadStatic]
    private static Magazine? t_returns;
#pragma warning restore IDE1006

    /// <summary>An envelope for a new message of <paramref name="contract"/>, as <c>new Envelope(contract, messageId)</c> makes it, marked as rented.</summary>
    public static Envelope Rent(ContractDescriptor contract, Guid messageId)
    {
        Magazine? rentals = t_rentals;
        if (rentals is null || rentals.Count == 0)
        {
            rentals = Refill(rentals);
        }

        Envelope envelope = rentals?.Pop()?.Recycle(contract, messageId) ?? new Envelope(contract, messageId);
        envelope.MarkRented();
        return envelope;
    }

    /// <summary>Keeps <paramref name="envelope"/>, released by the pipeline after its delivery, for a later <see cref="Rent"/>.</summary>
    public static void Return(Envelope envelope)
    {
        Magazine returns = t_returns ??= new Magazine();
        if (returns.Count == MagazineSize)
        {
            if (Interlocked.Increment(ref s_fullCount) <= MaxShared)
            {
                s_full.Enqueue(returns);
                returns = t_returns = s_empty.TryDequeue(out Magazine? empty) ? empty : new Magazine();
            }
            else
            {
                Interlocked.Decrement(ref s_fullCount);
                returns.Clear(); // enough wait already: these go to the collector
            }
        }

        returns.Push(envelope);
    }

    /// <summary>A magazine with envelopes in it, or null: this thread's own returns first (a handler that sends on), then a shared one.</summary>
    private static Magazine? Refill(Magazine? spent)
    {
        if (t_returns is { Count: > 0 } own)
        {
            t_returns = spent;
            t_rentals = own;
            return own;
        }

        if (s_full.TryDequeue(out Magazine? full))
        {
            Interlocked.Decrement(ref s_fullCount);
            if (spent is not null)
            {
                s_empty.Enqueue(spent);
            }

            t_rentals = full;
            return full;
        }

        return spent;
    }

    private sealed class Magazine
    {
        private readonly Envelope?[] _items = new Envelope?[MagazineSize];

        public int Count { get; private set; }

        public void Push(Envelope envelope) => _items[Count++] = envelope;

        public Envelope? Pop()
        {
            if (Count == 0)
            {
                return null;
            }

            int last = --Count;
            Envelope? envelope = _items[last];
            _items[last] = null;
            return envelope;
        }

        public void Clear()
        {
            Array.Clear(_items, 0, Count);
            Count = 0;
        }
    }
}
