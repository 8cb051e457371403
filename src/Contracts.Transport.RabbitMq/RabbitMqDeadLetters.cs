using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Contracts.Transport.RabbitMq;

/// <summary>
/// <see cref="IDeadLetters"/> over the error queues of the endpoints this process consumes (and the exchange's own).
/// A queue cannot be read by key, so each call looks at every message there (taken without an ack and handed back
/// at the end): meant for operators and tools, not for a hot path. A replay publishes the message to its endpoint as
/// attempt 1 and only then removes it, so a failure in between leaves it in place (at least once).
/// </summary>
internal sealed class RabbitMqDeadLetters(RabbitMqTransport transport) : IDeadLetterQueue
{
    /// <summary>The most messages looked at per error queue and call.</summary>
    private const int ScanLimit = 10_000;

    public ValueTask AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        letter.Id = transport.NextDeadLetterId();
        return transport.PublishAsync("", transport.ErrorQueue(letter.Message.Endpoint), mandatory: true, AmqpHeaders.Write(letter, transport.FrameMax), letter.Message.Payload, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        var letters = new List<DeadLetter>();
        await ScanAsync(
            (letter, _) =>
            {
                if (letter.Id > afterId)
                {
                    letters.Add(letter);
                }

                return Verdict.Keep;
            },
            cancellationToken).ConfigureAwait(false);
        letters.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return letters.Count > limit ? letters.GetRange(0, limit) : letters;
    }

    /// <summary>The messages in the error queues, as the broker counts them (a passive declare per queue: nothing is read).</summary>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        long count = 0;
        await using IChannel channel = await transport.Connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (string queue in transport.ErrorQueues)
        {
            QueueDeclareOk declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
            count += declared.MessageCount;
        }

        return count;
    }

    public async ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        DeadLetter? found = null;
        await ScanAsync(
            (letter, _) =>
            {
                found ??= letter.Id == id ? letter : null;
                return Verdict.Keep;
            },
            cancellationToken).ConfigureAwait(false);
        return found;
    }

    public async ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default)
    {
        bool replayed = false;
        await ScanAsync(
            (letter, message) =>
            {
                if (replayed || letter.Id != id)
                {
                    return Verdict.Keep;
                }

                replayed = true;
                return Verdict.Replay;
            },
            cancellationToken).ConfigureAwait(false);
        return replayed;
    }

    public async ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default)
    {
        int purged = 0;
        await ScanAsync(
            (letter, _) =>
            {
                if (failedBefore is { } cutOff && letter.LastFailedAt >= cutOff)
                {
                    return Verdict.Keep;
                }

                purged++;
                return Verdict.Remove;
            },
            cancellationToken).ConfigureAwait(false);
        return purged;
    }

    private enum Verdict
    {
        Keep,
        Remove,
        Replay,
    }

    /// <summary>Looks at every message of every error queue; what the verdict keeps is handed back to its queue in order.</summary>
    private async Task ScanAsync(Func<DeadLetter, BasicGetResult, Verdict> judge, CancellationToken cancellationToken)
    {
        foreach (string queue in transport.ErrorQueues)
        {
            await using IChannel channel = await transport.Connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false), cancellationToken).ConfigureAwait(false);
            var kept = new List<ulong>();
            try
            {
                for (int seen = 0; seen < ScanLimit && await channel.BasicGetAsync(queue, autoAck: false, cancellationToken).ConfigureAwait(false) is { } message; seen++)
                {
                    DeadLetter letter = EnvelopeCodec.ReadDeadLetter(AmqpHeaders.Of(message.BasicProperties), message.Body);
                    switch (judge(letter, message))
                    {
                        case Verdict.Keep:
                            kept.Add(message.DeliveryTag);
                            break;
                        case Verdict.Remove:
                            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
                            break;
                        case Verdict.Replay:
                            await ReplayOneAsync(letter, message, cancellationToken).ConfigureAwait(false);
                            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
                            break;
                    }
                }
            }
            finally
            {
                foreach (ulong tag in kept)
                {
                    await channel.BasicNackAsync(tag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>To its endpoint's queue, or by its contract when it had none (an outbox record no endpoint took then).</summary>
    private ValueTask ReplayOneAsync(DeadLetter letter, BasicGetResult message, CancellationToken cancellationToken)
    {
        MessageRecord record = letter.Message;
        string routingKey = record.Endpoint.Length > 0
            ? record.Endpoint
            : record.ContractVersion == 1 ? record.ContractName : $"{record.ContractName}.v{record.ContractVersion}";
        try
        {
            return transport.PublishAsync(transport.Options.Exchange, transport.ReplayRoute(routingKey, message.BasicProperties), mandatory: true, AmqpHeaders.ForReplay(message.BasicProperties), message.Body, cancellationToken);
        }
        catch (AlreadyClosedException ex)
        {
            throw new InvalidOperationException($"Dead letter {letter.Id} could not be replayed: the connection to RabbitMQ closed.", ex);
        }
    }
}
