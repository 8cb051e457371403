using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Contracts.Transport.Nats;

/// <summary>
/// <see cref="IDeadLetters"/> over the dead-letter stream: the subjects of the endpoints this process consumes (and of
/// no endpoint). A letter's id is its sequence in the stream, so ids increase with time across every endpoint, and a
/// letter is read by id or by "the next one of this subject" without a scan. A replay publishes the message to its
/// endpoint as attempt 1 and only then deletes the letter, so a failure in between leaves it in place (at least once);
/// the replay's publish id is the letter's, so a replay repeated after such a failure is stored once.
/// </summary>
internal sealed class NatsDeadLetters(NatsTransport transport) : IDeadLetterQueue
{
    private const string SequenceHeader = "Nats-Sequence";
    private const string SubjectHeader = "Nats-Subject";
    private static readonly NatsRawSerializer<NatsMemoryOwner<byte>> s_pooled = NatsRawSerializer<NatsMemoryOwner<byte>>.Default;
    private INatsJSStream? _stream;

    private NatsNames Names => transport.Names;

    public async ValueTask AddAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        var headers = new NatsHeaders();
        var writer = new NatsHeaderAdapter(headers);
        EnvelopeCodec.Write(letter.Message, writer);
        EnvelopeCodec.WriteFailure(letter, writer);
        string id = string.Create(CultureInfo.InvariantCulture, $"dead:{letter.Message.MessageId:N}:{letter.Message.Attempt}:{letter.Message.Endpoint}");
        ulong sequence = await transport.PublishAsync(
            Names.DeadLetterSubject(letter.Message.Endpoint), headers, letter.Message.Payload, id, Names.DeadLetterStream, null, cancellationToken).ConfigureAwait(false);
        letter.Id = (long)sequence;
    }

    public async ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        var letters = new List<DeadLetter>(Math.Clamp(limit, 0, 1000));
        if (limit <= 0)
        {
            return letters;
        }

        // A merge of the subjects, oldest first: the head of each is the next letter of that subject after afterId.
        List<string> subjects = Subjects();
        var heads = new (DeadLetter? Letter, ulong Sequence)[subjects.Count];
        ulong from = (ulong)Math.Max(0, afterId) + 1;
        for (int i = 0; i < subjects.Count; i++)
        {
            heads[i] = await NextAsync(subjects[i], from, cancellationToken).ConfigureAwait(false);
        }

        while (letters.Count < limit)
        {
            int oldest = -1;
            for (int i = 0; i < heads.Length; i++)
            {
                if (heads[i].Letter is not null && (oldest < 0 || heads[i].Sequence < heads[oldest].Sequence))
                {
                    oldest = i;
                }
            }

            if (oldest < 0)
            {
                break;
            }

            letters.Add(heads[oldest].Letter!);
            heads[oldest] = await NextAsync(subjects[oldest], heads[oldest].Sequence + 1, cancellationToken).ConfigureAwait(false);
        }

        return letters;
    }

    /// <summary>The letters in this process's subjects, as the stream counts them per subject (nothing is read).</summary>
    public async ValueTask<long> CountAsync(CancellationToken cancellationToken = default)
    {
        INatsJSStream stream = await transport.JetStream.GetStreamAsync(Names.DeadLetterStream, new StreamInfoRequest { SubjectsFilter = ">" }, cancellationToken).ConfigureAwait(false);
        if (stream.Info.State.Subjects is not { } counts)
        {
            return 0;
        }

        long count = 0;
        foreach (string subject in Subjects())
        {
            if (counts.TryGetValue(subject, out long n))
            {
                count += n;
            }
        }

        return count;
    }

    public async ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        (DeadLetter? letter, _, _) = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
        return letter;
    }

    public async ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default)
    {
        (DeadLetter? letter, NatsHeaders? headers, ReadOnlyMemory<byte> body) = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
        if (letter is null || headers is null)
        {
            return false;
        }

        // The message as it was sent: the failure and the server's headers removed, attempt 1.
        NatsHeaders replay = NatsHeaderAdapter.CopyWithout(headers, static name =>
            NatsHeaderAdapter.IsNatsOwned(name) || name.StartsWith("contracts-error-", StringComparison.Ordinal) || name == EnvelopeHeaders.DeadLetterId);
        replay[EnvelopeHeaders.Attempt] = "1";
        MessageRecord record = letter.Message;
        string subject;
        string? stream;
        ContractDescriptor? contract = null;
        if (record.Endpoint.Length > 0)
        {
            // A keyed endpoint's letter goes back to the partition its key picks (with this process's partition count).
            subject = PartitionKeyOf(record, headers, body) is { } key
                ? transport.PartitionSubjectOf(record.Endpoint, key)
                : Names.EndpointSubject(record.Endpoint);
            stream = Names.EndpointStream(record.Endpoint);
        }
        else
        {
            // A letter of no endpoint (an outbox record nobody took then): routed by its contract, as it was sent.
            string address = record.ContractVersion == 1 ? record.ContractName : $"{record.ContractName}.v{record.ContractVersion}";
            bool isEvent = transport.Catalog is { } catalog && catalog.TryFind(record.ContractName, record.ContractVersion, out contract) && contract.Kind == MessageKind.Event;
            subject = isEvent ? Names.EventSubject(address) : Names.EndpointSubject(address);
            stream = isEvent ? null : Names.EndpointStream(address);
        }

        string publishId = string.Create(CultureInfo.InvariantCulture, $"replay:{Names.DeadLetterStream}:{id}");
        await transport.PublishAsync(subject, replay, body, publishId, stream, contract, cancellationToken).ConfigureAwait(false);
        await transport.JetStream.DeleteMessageAsync(Names.DeadLetterStream, new StreamMsgDeleteRequest { Seq = (ulong)id, NoErase = true }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The partition key hash of a letter of a keyed command or query: the one the sender wrote, or (a letter the core
    /// stored itself) its payload's, when this process knows the contract. <see langword="null"/> for any other letter.
    /// </summary>
    private ulong? PartitionKeyOf(MessageRecord record, NatsHeaders headers, ReadOnlyMemory<byte> body)
    {
        if (headers.ContainsKey(NatsPartitionDelivery.PartitionHeader))
        {
            return NatsPartitionDelivery.KeyOf(headers);
        }

        if (transport.Catalog is not { } catalog || !catalog.TryFind(record.ContractName, record.ContractVersion, out ContractDescriptor? contract) ||
            !contract.HasPartitionKey || contract.Kind == MessageKind.Event)
        {
            return null;
        }

        try
        {
            return contract.GetPartitionKey(contract.Deserialize(body)) ?? 0;
        }
        catch (MessagePack.MessagePackSerializationException)
        {
            return 0; // unreadable: its partition's consumer dead-letters it again
        }
    }

    public async ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default)
    {
        long purged = 0;
        if (failedBefore is not { } cutOff)
        {
            foreach (string subject in Subjects())
            {
                StreamPurgeResponse response = await transport.JetStream.PurgeStreamAsync(Names.DeadLetterStream, new StreamPurgeRequest { Filter = subject }, cancellationToken).ConfigureAwait(false);
                purged += response.Purged;
            }

            return (int)Math.Min(purged, int.MaxValue);
        }

        long after = 0;
        while (true)
        {
            IReadOnlyList<DeadLetter> page = await ListAsync(after, 500, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return (int)Math.Min(purged, int.MaxValue);
            }

            foreach (DeadLetter letter in page)
            {
                if (letter.LastFailedAt < cutOff)
                {
                    await transport.JetStream.DeleteMessageAsync(Names.DeadLetterStream, new StreamMsgDeleteRequest { Seq = (ulong)letter.Id, NoErase = true }, cancellationToken).ConfigureAwait(false);
                    purged++;
                }
            }

            after = page[^1].Id;
        }
    }

    /// <summary>The dead-letter subjects this process sees: no endpoint's, then one per endpoint it consumes.</summary>
    internal List<string> Subjects()
    {
        IReadOnlyList<string> endpoints = transport.DeadLetterEndpoints;
        var subjects = new List<string>(endpoints.Count + 1) { Names.DeadLetterRoot };
        foreach (string endpoint in endpoints)
        {
            string subject = Names.DeadLetterSubject(endpoint);
            if (!subjects.Contains(subject))
            {
                subjects.Add(subject);
            }
        }

        return subjects;
    }

    /// <summary>The first letter of <paramref name="subject"/> at or after sequence <paramref name="from"/>, or none.</summary>
    private async ValueTask<(DeadLetter? Letter, ulong Sequence)> NextAsync(string subject, ulong from, CancellationToken cancellationToken)
    {
        INatsJSStream stream = await StreamAsync(cancellationToken).ConfigureAwait(false);
        NatsMsg<NatsMemoryOwner<byte>> msg = await stream.GetDirectAsync(new StreamMsgGetRequest { Seq = from, NextBySubj = subject }, s_pooled, cancellationToken).ConfigureAwait(false);
        using NatsMemoryOwner<byte> data = msg.Data;
        if (Found(msg) is not { } sequence)
        {
            return (null, 0);
        }

        DeadLetter letter = EnvelopeCodec.ReadDeadLetter(new NatsHeaderAdapter(msg.Headers!), data.Memory);
        letter.Id = (long)sequence;
        return (letter, sequence);
    }

    /// <summary>The letter with sequence <paramref name="id"/> when it is in one of this process's subjects, with its headers and payload.</summary>
    private async ValueTask<(DeadLetter? Letter, NatsHeaders? Headers, ReadOnlyMemory<byte> Body)> ReadAsync(long id, CancellationToken cancellationToken)
    {
        if (id <= 0)
        {
            return (null, null, default);
        }

        INatsJSStream stream = await StreamAsync(cancellationToken).ConfigureAwait(false);
        NatsMsg<NatsMemoryOwner<byte>> msg = await stream.GetDirectAsync(new StreamMsgGetRequest { Seq = (ulong)id }, s_pooled, cancellationToken).ConfigureAwait(false);
        using NatsMemoryOwner<byte> data = msg.Data;
        if (Found(msg) is null || !msg.Headers!.TryGetLastValue(SubjectHeader, out string? subject) || !Subjects().Contains(subject))
        {
            return (null, null, default);
        }

        byte[] body = data.Memory.ToArray();
        DeadLetter letter = EnvelopeCodec.ReadDeadLetter(new NatsHeaderAdapter(msg.Headers), body);
        letter.Id = id;
        return (letter, msg.Headers, body);
    }

    /// <summary>The stream sequence of a direct get's answer, or null when it found nothing (a 404 status).</summary>
    private static ulong? Found(in NatsMsg<NatsMemoryOwner<byte>> msg)
    {
        if (msg.HasNoResponders)
        {
            throw new InvalidOperationException("The dead-letter stream does not answer direct gets: it was created without AllowDirect (by something other than Contracts?).");
        }

        return msg.Headers is { } headers && headers.Code is 0 or 200 && headers.TryGetLastValue(SequenceHeader, out string? text) &&
            ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong sequence)
            ? sequence
            : null;
    }

    private async ValueTask<INatsJSStream> StreamAsync(CancellationToken cancellationToken) =>
        _stream ??= await transport.JetStream.GetStreamAsync(Names.DeadLetterStream, cancellationToken: cancellationToken).ConfigureAwait(false);
}
