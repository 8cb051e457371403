using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Contracts.Transport.Nats;

/// <summary>
/// Subjects, stream and consumer names, all derived from the prefix and the endpoint names. A subject keeps the
/// endpoint's dots as token separators; a stream or consumer name cannot hold dots, slashes or wildcards, so those
/// become <c>_</c>, and a name that had to change (or is long) gets a short hash of the original so that two
/// endpoints never share one.
/// </summary>
internal sealed class NatsNames(string prefix)
{
    /// <summary>The consumer every endpoint stream has: the one its processes share as competing consumers.</summary>
    public const string WorkerConsumer = "worker";

    private const int MaxReadable = 64;

    public string Prefix { get; } = prefix;

    /// <summary>The stream of every event, of every contract.</summary>
    public string EventStream => Prefix + "_events";

    /// <summary>What the event stream captures.</summary>
    public string EventSubjects => Prefix + ".e.>";

    /// <summary>The stream of every dead letter.</summary>
    public string DeadLetterStream => Prefix + "_dead";

    /// <summary>The dead letters of no endpoint (an outbox record no endpoint takes).</summary>
    public string DeadLetterRoot => Prefix + ".dead";

    /// <summary>What the dead-letter stream captures besides <see cref="DeadLetterRoot"/>.</summary>
    public string DeadLetterSubjects => Prefix + ".dead.>";

    /// <summary>Where a command, query or directed message (a retry, a replay) for <paramref name="endpoint"/> is published.</summary>
    public string EndpointSubject(string endpoint) => $"{Prefix}.q.{Tokens(endpoint)}";

    /// <summary>The work-queue stream of <paramref name="endpoint"/>.</summary>
    public string EndpointStream(string endpoint) => $"{Prefix}_q_{Name(endpoint)}";

    /// <summary>
    /// Partition <paramref name="partition"/> of <paramref name="partitions"/> of a keyed endpoint: the count is in the
    /// subject, so a sender with another count than the endpoint's stream was made with publishes to a subject no stream
    /// captures and fails, instead of putting a key in another partition than its earlier messages.
    /// </summary>
    public string PartitionSubject(string endpoint, int partition, int partitions) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}.q.{Tokens(endpoint)}.p{partition}of{partitions}");

    /// <summary>The durable consumer of partition <paramref name="partition"/> on a keyed endpoint's stream.</summary>
    public static string PartitionConsumer(int partition) => string.Create(CultureInfo.InvariantCulture, $"p{partition}");

    /// <summary>The key-value bucket of the partition leases and the processes' memberships, of every keyed endpoint.</summary>
    public string LeaseBucket => Prefix + "_partitions";

    /// <summary>The stream that is <see cref="LeaseBucket"/> (JetStream's naming of a key-value bucket, so <c>nats kv</c> reads it).</summary>
    public string LeaseStream => "KV_" + LeaseBucket;

    /// <summary>The key of partition <paramref name="partition"/>'s lease of <paramref name="endpoint"/>.</summary>
    public string LeaseSubject(string endpoint, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"$KV.{LeaseBucket}.{Name(endpoint)}.lease.{partition}");

    /// <summary>The key of process <paramref name="member"/>'s membership of <paramref name="endpoint"/>'s consumers.</summary>
    public string MemberSubject(string endpoint, string member) => $"$KV.{LeaseBucket}.{Name(endpoint)}.member.{member}";

    /// <summary>Every key of <paramref name="endpoint"/> in the lease bucket.</summary>
    public string LeaseKeys(string endpoint) => $"$KV.{LeaseBucket}.{Name(endpoint)}.>";

    /// <summary>Where an event routed as <paramref name="contractAddress"/> is published.</summary>
    public string EventSubject(string contractAddress) => $"{Prefix}.e.{Tokens(contractAddress)}";

    /// <summary>
    /// What a topic subscription's consumer takes from the event stream: the pattern's names as tokens, its wildcards
    /// as NATS's own (<c>*</c> one token, a final <c>&gt;</c> one or more), so the server does the matching.
    /// </summary>
    public string EventFilter(string topic)
    {
        StringBuilder builder = new StringBuilder(Prefix.Length + 3 + topic.Length).Append(Prefix).Append(".e");
        foreach (string segment in topic.Split('.'))
        {
            builder.Append('.').Append(segment is "*" or ">" ? segment : Tokens(segment));
        }

        return builder.ToString();
    }

    /// <summary>The durable consumer of event subscription <paramref name="endpoint"/> on the event stream.</summary>
    public string SubscriptionConsumer(string endpoint) => Name(endpoint);

    /// <summary>Where the dead letters of <paramref name="endpoint"/> go (those of no endpoint: <see cref="DeadLetterRoot"/>).</summary>
    public string DeadLetterSubject(string endpoint) => endpoint.Length == 0 ? DeadLetterRoot : $"{Prefix}.dead.{Tokens(endpoint)}";

    /// <summary>This process's reply subject for queries.</summary>
    public string ReplySubject(Guid process) => $"{Prefix}.reply.{process:N}";

    /// <summary>Subject tokens from a name: its dots separate tokens; spaces, wildcards and empty tokens become <c>_</c>.</summary>
    public static string Tokens(string name)
    {
        var builder = new StringBuilder(name.Length);
        bool tokenStart = true;
        foreach (char c in name)
        {
            if (c == '.')
            {
                if (tokenStart)
                {
                    builder.Append('_');
                }

                builder.Append('.');
                tokenStart = true;
                continue;
            }

            builder.Append(c is '*' or '>' || char.IsWhiteSpace(c) || char.IsControl(c) ? '_' : c);
            tokenStart = false;
        }

        if (tokenStart)
        {
            builder.Append('_');
        }

        return builder.ToString();
    }

    /// <summary>A stream or consumer name from an endpoint name (letters, digits, <c>-</c> and <c>_</c> only).</summary>
    public static string Name(string name)
    {
        var builder = new StringBuilder(name.Length + 11);
        bool changed = false;
        foreach (char c in name)
        {
            bool plain = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_';
            builder.Append(plain ? c : '_');
            changed |= !plain;
        }

        if (!changed && builder.Length <= MaxReadable)
        {
            return builder.ToString();
        }

        if (builder.Length > MaxReadable)
        {
            builder.Length = MaxReadable;
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0, 5);
        return builder.Append('_').Append(hash).ToString();
    }
}
