using System;
using System.Collections.Generic;
using Contracts.Transport;

namespace Contracts;

/// <summary>
/// Settings of the NATS JetStream transport. Endpoint settings mean on NATS: <see cref="EndpointOptions.MaxConcurrency"/>
/// handlers at once per process, pulling <see cref="PrefetchPerConsumer"/> times that many messages ahead;
/// <see cref="EndpointOptions.Capacity"/> bounds the endpoint's stream with <see cref="EndpointFullMode.DropOldest"/>
/// (the server drops the oldest) or <see cref="EndpointFullMode.Reject"/> (the server refuses the publish); with
/// <see cref="EndpointFullMode.Wait"/> the stream keeps everything. <see cref="EndpointOptions.MaxPriority"/> is not
/// honoured (JetStream streams are FIFO). A command or query endpoint whose contract has a
/// <see cref="PartitionKeyAttribute"/> member is split in <see cref="Partitions"/> subjects, each consumed by one process
/// at a time (the holder of its lease), so its messages are handled in send order per key across competing processes.
/// </summary>
public sealed class NatsTransportOptions : TransportOptions
{
    private readonly Dictionary<string, NatsStreamStart> _starts = new(StringComparer.Ordinal);

    /// <summary>The server, as a NATS URL. Default <c>nats://127.0.0.1:4222</c>.</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>
    /// The first token of every subject and stream name this transport uses, so several systems can share one server.
    /// Default <c>contracts</c>: commands go to <c>contracts.q.{endpoint}</c>, events to <c>contracts.e.{contract}</c>,
    /// dead letters to <c>contracts.dead.{endpoint}</c>.
    /// </summary>
    public string Prefix { get; set; } = "contracts";

    /// <summary>The connection's name in the server's monitoring. Default: <c>contracts</c> and the process name.</summary>
    public string? ConnectionName { get; set; }

    /// <summary>How many messages the server hands each concurrent handler of an endpoint ahead of time. Default 16.</summary>
    public int PrefetchPerConsumer { get; set; } = 16;

    /// <summary>
    /// How long the server waits for a delivery's acknowledgement before it delivers the message again, here or to
    /// another process: the time in which the work of a process that died is taken over. A handler that runs longer
    /// is kept alive with progress acknowledgements, so this only needs to cover a message's wait in this process's
    /// prefetch. Default 30 seconds.
    /// </summary>
    public TimeSpan AckWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most a publish takes before it throws <see cref="TimeoutException"/>, retries with the same message id
    /// included while the server is unreachable or restarting. Default 30 seconds.
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long each stream remembers the message ids it stored (JetStream's duplicate window): a publish repeated
    /// within it with the same id (a retry after a lost acknowledgement) is stored once. Default 2 minutes.
    /// </summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long the event stream keeps an event, handled or not: the history a subscription that starts from
    /// <see cref="NatsStreamStart.All"/> or a past position replays. Default 7 days.
    /// </summary>
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a query waits in its endpoint's stream for a consumer before the server drops it. Default 5 minutes.</summary>
    public TimeSpan QueryRetention { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the dead-letter stream keeps a dead letter, or <see cref="TimeSpan.Zero"/> for ever (the default).</summary>
    public TimeSpan DeadLetterRetention { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How many partitions a command or query endpoint whose contract has a <see cref="PartitionKeyAttribute"/> member
    /// gets: subjects <c>{prefix}.q.{endpoint}.p{i}of{N}</c>, a message going to the one its key's hash picks, each
    /// read through a durable consumer of its own by the one process that holds its lease (see
    /// <see cref="PartitionLeaseTime"/>). It bounds how many processes share the endpoint's work. Every process of one
    /// prefix must use the same number: a consumer started with another count than the endpoint's stream was made with
    /// is refused at start, and a send with another count fails (no stream captures its partition subject). Default 16.
    /// </summary>
    public int Partitions { get; set; } = 16;

    /// <summary>
    /// How long a process holds a partition of a keyed endpoint without renewing its lease (the lease bucket's age
    /// limit; it renews every quarter of it, on a schedule of its own): a process that dies leaves its partitions to the
    /// others after this long. A process that could not renew a lease for nine tenths of it (a pause of the whole
    /// process, a lost connection) starts and acknowledges nothing more of that partition, before the server can let
    /// the lease go; a handler already running then may still overlap its key's next message elsewhere, the one case in
    /// which a key's order can break. The same in every process of one prefix. Default 10 seconds.
    /// </summary>
    public TimeSpan PartitionLeaseTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Where a new event subscription starts in the event stream: the endpoint of one subscription
    /// (<c>Shop.OrderPlaced/Shop.Handlers.Mailer</c>) or an event's name for all of its subscriptions. Applied when the
    /// subscription's durable consumer is created, on its first start; from then on the consumer keeps its position on
    /// the server across restarts, and this setting is not applied again. Subscriptions without a setting start with
    /// <see cref="NatsStreamStart.New"/>.
    /// </summary>
    /// <param name="endpoint">The subscription's endpoint name, or the event's name.</param>
    /// <param name="start">Where it starts.</param>
    /// <returns>These options, for chaining.</returns>
    public NatsTransportOptions StartAt(string endpoint, NatsStreamStart start)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        ArgumentNullException.ThrowIfNull(start);
        _starts[endpoint] = start;
        return this;
    }

    /// <summary>Where every new subscription of event <typeparamref name="TEvent"/> starts (see <see cref="StartAt(string, NatsStreamStart)"/>).</summary>
    /// <typeparam name="TEvent">The event.</typeparam>
    /// <param name="start">Where its subscriptions start.</param>
    /// <returns>These options, for chaining.</returns>
    public NatsTransportOptions StartAt<TEvent>(NatsStreamStart start)
        where TEvent : class, IContract<TEvent>, IEvent
        => StartAt(TransportEndpoint.AddressOf(TEvent.Contract), start);

    /// <summary>The start of subscription <paramref name="endpoint"/> of the event routed as <paramref name="contractAddress"/>.</summary>
    internal NatsStreamStart StartOf(string endpoint, string contractAddress) =>
        _starts.TryGetValue(endpoint, out NatsStreamStart? own) ? own
        : _starts.TryGetValue(contractAddress, out NatsStreamStart? shared) ? shared
        : NatsStreamStart.New;

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Url);
        ArgumentException.ThrowIfNullOrEmpty(Prefix);
        if (Prefix.AsSpan().IndexOfAny(" \t\r\n.*>/\\") >= 0)
        {
            throw new ArgumentException($"Prefix '{Prefix}' must be one subject token: no dots, spaces, wildcards or slashes.", nameof(Prefix));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PrefetchPerConsumer, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(AckWait, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PublishTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(DuplicateWindow, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(EventRetention, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueryRetention, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfLessThan(DeadLetterRetention, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(Partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Partitions, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(PartitionLeaseTime, TimeSpan.FromSeconds(1));
    }
}
