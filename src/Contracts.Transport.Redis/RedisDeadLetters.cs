using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>
/// <see cref="IDeadLetters"/> over the dead-letter streams of the endpoints this process consumes (and the prefix's
/// own). A letter's id is a field of its entry, so each call reads the streams (<c>XRANGE</c>, at most
/// <see cref="ScanLimit"/> entries each): meant for operators and tools, not for a hot path. A replay adds the message
/// to its endpoint's stream as attempt 1 and deletes the letter in one <c>MULTI</c>, so it is never both or neither.
/// </summary>
internal sealed class RedisDeadLetters(RedisTransport transport) : IDeadLetterQueue
{
    /// <summary>The most entries looked at per dead-letter stream and call.</summary>
    private const int ScanLimit = 10_000;

    public async ValueTask AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        letter.Id = transport.NextDeadLetterId();
        await transport.Database.StreamAddAsync(transport.DeadLetterStreamOf(letter.Message.Endpoint), StreamFields.Of(letter)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        var letters = new List<DeadLetter>();
        foreach (Found found in await ScanAsync(cancellationToken).ConfigureAwait(false))
        {
            if (found.Letter.Id > afterId)
            {
                letters.Add(found.Letter);
            }
        }

        letters.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return letters.Count > limit ? letters.GetRange(0, limit) : letters;
    }

    /// <summary>The entries of the dead-letter streams (<c>XLEN</c> each: nothing is read).</summary>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        long count = 0;
        foreach (RedisKey stream in transport.DeadLetterStreams)
        {
            count += await transport.Database.StreamLengthAsync(stream).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return count;
    }

    public async ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default) =>
        await FindAsync(id, cancellationToken).ConfigureAwait(false) is { } found ? found.Letter : null;

    public async ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } found)
        {
            return false;
        }

        // To its endpoint's stream, or by its contract when it had none (an outbox record no endpoint took then).
        MessageRecord record = found.Letter.Message;
        string address = record.Endpoint.Length > 0
            ? record.Endpoint
            : record.ContractVersion == 1 ? record.ContractName : $"{record.ContractName}.v{record.ContractVersion}";
        RedisTransport.Target target = transport.TargetOf(address);
        IDatabase database = transport.Database;
        if (StreamFields.PartitionKeyIn(found.Fields) is { } key &&
            transport.PartitionsOf(target)[transport.PartitionOf(key)] is { } partition &&
            await database.KeyExistsAsync(partition.Stream).WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            // A keyed message: back to its key's partition (a topic subscription has none: its own stream), if this
            // process counts partitions as the consumers do.
            if (!target.PartitionCountMatches)
            {
                await transport.CheckSentPartitionCountAsync(record.ContractName, target, cancellationToken).ConfigureAwait(false);
            }

            target = partition;
        }

        if (!await database.KeyExistsAsync(target.Stream).WaitAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException(
                $"Dead letter {id} could not be replayed: stream '{target.Stream}' does not exist on Redis (no process consuming '{address}' has started). It is kept.");
        }

        ITransaction replay = database.CreateTransaction();
        Task<RedisValue> added = replay.StreamAddAsync(target.Stream, StreamFields.ForReplay(found.Fields));
        Task<long> deleted = replay.StreamDeleteAsync(found.Stream, [found.EntryId]);
        await replay.ExecuteAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(added, deleted).ConfigureAwait(false);
        RedisTransport.Nudge(database, target.Nudge);
        return true;
    }

    public async ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default)
    {
        int purged = 0;
        IDatabase database = transport.Database;
        foreach (Found found in await ScanAsync(cancellationToken).ConfigureAwait(false))
        {
            if (failedBefore is { } cutOff && found.Letter.LastFailedAt >= cutOff)
            {
                continue;
            }

            purged += (int)await database.StreamDeleteAsync(found.Stream, [found.EntryId]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return purged;
    }

    private sealed record Found(RedisKey Stream, RedisValue EntryId, NameValueEntry[] Fields, DeadLetter Letter);

    private async Task<Found?> FindAsync(long id, CancellationToken cancellationToken)
    {
        foreach (Found found in await ScanAsync(cancellationToken).ConfigureAwait(false))
        {
            if (found.Letter.Id == id)
            {
                return found;
            }
        }

        return null;
    }

    private async Task<List<Found>> ScanAsync(CancellationToken cancellationToken)
    {
        var found = new List<Found>();
        foreach (RedisKey stream in transport.DeadLetterStreams)
        {
            StreamEntry[] entries = await transport.Database.StreamRangeAsync(stream, count: ScanLimit).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (StreamEntry entry in entries)
            {
                if (!entry.IsNull)
                {
                    StreamFields fields = StreamFields.Read(entry.Values);
                    DeadLetter letter = EnvelopeCodec.ReadDeadLetter(fields, fields.Body);
                    found.Add(new Found(stream, entry.Id, entry.Values, letter));
                }
            }
        }

        return found;
    }
}
