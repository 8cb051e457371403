using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace Contracts.Transport.Redis;

/// <summary>Publishing: a send is one <c>XADD NOMKSTREAM</c> and a nudge, retried while the connection is lost.</summary>
internal sealed partial class RedisTransport
{
    /// <summary>Appends without creating the stream: only a consumer creates one (with its group).</summary>
    private static readonly StreamAddOptions s_existingOnly = new() { CreateStream = false };

    private readonly ConcurrentDictionary<string, Target> _targets = new(StringComparer.Ordinal);

    /// <summary>A stream sent to and the channel that nudges its consumers, made once per address.</summary>
    internal sealed class Target(RedisKey stream, string address)
    {
        public RedisKey Stream { get; } = stream;

        public RedisChannel Nudge { get; } = NudgeOf(stream);

        /// <summary>The endpoint or contract the stream is of.</summary>
        public string Address { get; } = address;

        /// <summary>The address's partition streams, made on the first keyed send (see <see cref="PartitionsOf"/>).</summary>
        public Target[]? Partitions { get; set; }

        /// <summary>
        /// Whether this process's partition count was found equal to the one the address's consumers made its partition
        /// streams with (see <see cref="CheckSentPartitionCountAsync"/>); checked until it could be.
        /// </summary>
        public volatile bool PartitionCountMatches;
    }

    internal Target TargetOf(string address) =>
        _targets.TryGetValue(address, out Target? target) ? target : _targets.GetOrAdd(address, static (a, t) => new Target(t.StreamOf(a), a), this);

    public ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken)
    {
        Target target = TargetOf(endpoint?.Name ?? TransportEndpoint.AddressOf(envelope.Contract));
        bool mustExist = endpoint is not null || envelope.Contract.Kind != MessageKind.Event;
        if (envelope.Contract.HasPartitionKey && (endpoint is null || IsPartitioned(endpoint)))
        {
            // Keyed: to the partition its key picks (a retry or replay addressed to a topic subscription goes to its one stream).
            ulong key = envelope.Contract.PartitionKeyOf(envelope);
            Target partition = PartitionsOf(target)[PartitionOf(key)];
            return target.PartitionCountMatches
                ? SendAsync(envelope, partition, key, mustExist, cancellationToken)
                : CheckThenSendAsync(envelope, target, partition, key, mustExist, cancellationToken);
        }

        return SendAsync(envelope, target, partitionKey: null, mustExist, cancellationToken);
    }

    /// <summary>A keyed send before this process knows its partition count is its consumers': checked first.</summary>
    private async ValueTask CheckThenSendAsync(Envelope envelope, Target target, Target partition, ulong key, bool mustExist, CancellationToken cancellationToken)
    {
        await CheckSentPartitionCountAsync(envelope.Contract.ToString(), target, cancellationToken).ConfigureAwait(false);
        await SendAsync(envelope, partition, key, mustExist, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Refuses a keyed send from a process whose <see cref="RedisTransportOptions.Partitions"/> differs from the count
    /// the address's consumers recorded when they made its partition streams (<c>{prefix}:{address}:partitions</c>):
    /// it would put keys in other partitions than theirs and break the order per key. Once the counts are found equal
    /// the check is not made again (a consumer with another count is refused at its start, so the record does not
    /// change). While nothing is recorded (no consumer has started) or the server cannot be reached, the send goes on
    /// unchecked, as it would without a key (<see cref="AddAsync"/> waits for the connection), and the next send checks.
    /// </summary>
    internal async ValueTask CheckSentPartitionCountAsync(string contract, Target target, CancellationToken cancellationToken)
    {
        RedisValue recorded;
        try
        {
            recorded = await Database.StringGetAsync(PartitionCountKeyOf(target.Address)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            return; // the send itself waits for the connection; the next send checks
        }

        if (recorded.IsNull)
        {
            return;
        }

        if (recorded != _options.Partitions.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException(
                $"'{contract}' is sent to '{target.Address}' by its partition key over {_options.Partitions.ToString(CultureInfo.InvariantCulture)} partition streams here " +
                $"(RedisTransportOptions.Partitions), but its consumers made {recorded} ({PartitionCountKeyOf(target.Address)}): the key would land in another " +
                "partition than the one its earlier messages are in, and their order would break. The message was not sent. Give every process of the prefix the same Partitions.");
        }

        target.PartitionCountMatches = true;
    }

    private async ValueTask SendAsync(Envelope envelope, Target target, ulong? partitionKey, bool mustExist, CancellationToken cancellationToken)
    {
        RedisValue id = await AddAsync(target, StreamFields.Of(envelope, partitionKey), envelope.MessageId, cancellationToken).ConfigureAwait(false);
        if (id.IsNull && mustExist)
        {
            throw new NoHandlerException(envelope.Contract,
                $"No stream '{target.Stream}' exists on Redis for {envelope.Contract.Kind.ToString().ToLowerInvariant()} '{envelope.Contract}': " +
                "no process with its handler has started yet (a consumer creates the stream and its group), or the stream was deleted. The message was not sent.");
        }

        // An event no subscription ever asked for (no stream) is dropped, as a broker drops one nothing is bound for.
    }

    /// <summary>
    /// <c>XADD NOMKSTREAM</c> (the id, or null when the stream does not exist) and a nudge to its consumers, within
    /// <see cref="RedisTransportOptions.SendTimeout"/>: while the connection is lost the add is tried again, which may
    /// add a second copy when the first reached the server; the consumer's inbox drops it.
    /// </summary>
    internal async ValueTask<RedisValue> AddAsync(Target target, NameValueEntry[] fields, Guid messageId, CancellationToken cancellationToken)
    {
        IDatabase database = Database;
        long started = Stopwatch.GetTimestamp();
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Task<RedisValue> add = database.StreamAddAsync(target.Stream, fields, s_existingOnly);
                RedisValue id = cancellationToken.CanBeCanceled ? await add.WaitAsync(cancellationToken).ConfigureAwait(false) : await add.ConfigureAwait(false);
                if (!id.IsNull)
                {
                    Nudge(database, target.Nudge);
                }

                if (attempt > 0)
                {
                    Log.SendRecovered(_logger, messageId, attempt);
                }

                return id;
            }
            catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
            {
                TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
                if (elapsed >= _options.SendTimeout)
                {
                    throw new TimeoutException(
                        $"Redis did not take message {messageId} for '{target.Stream}' within {_options.SendTimeout} (SendTimeout): the connection is down. " +
                        $"It may or may not have reached the server. {ex.Message}", ex);
                }

                if (attempt == 0)
                {
                    Log.SendRetrying(_logger, ex, messageId, target.Stream.ToString());
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * (attempt + 1))), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Wakes the consumers of a stream that wait for work: fire and forget, since a lost nudge costs only the poll interval.</summary>
    internal static void Nudge(IDatabase database, RedisChannel channel) => database.Publish(channel, RedisValue.EmptyString, CommandFlags.FireAndForget);
}
