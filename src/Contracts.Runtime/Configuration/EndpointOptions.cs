using System;

namespace Contracts;

/// <summary>Settings of one endpoint: a named, bounded queue with its consumers.</summary>
public sealed class EndpointOptions
{
    /// <summary>How many messages may wait in the queue. Default 1024.</summary>
    public int Capacity { get; set; } = 1024;

    /// <summary>What happens when the queue is full. Default <see cref="EndpointFullMode.Wait"/>.</summary>
    public EndpointFullMode FullMode { get; set; } = EndpointFullMode.Wait;

    /// <summary>
    /// How many messages are handled at once. Default 1, which keeps FIFO order. Above 1, order is given up, except
    /// per partition key when the contract has <see cref="PartitionKeyAttribute"/> members (in process: one worker
    /// lane per unit of concurrency, a key always on the same lane).
    /// </summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>
    /// What a failing message does to the later messages of its partition key; applies only to a contract with
    /// <see cref="PartitionKeyAttribute"/> members. Default <see cref="OrderingFailureMode.Block"/>.
    /// </summary>
    public OrderingFailureMode OrderingFailure { get; set; } = OrderingFailureMode.Block;

    /// <summary>
    /// Whether this process consumes the endpoint. Default true. On a broker, false leaves the endpoint to the
    /// services that handle it (this process only sends to it) even though its handler is compiled in; the
    /// in-memory transport has no one else to consume it and refuses false.
    /// </summary>
    public bool Consume { get; set; } = true;

    /// <summary>
    /// The highest message priority the endpoint honours (1-255), or 0 for none (the default): FIFO. With it,
    /// <see cref="SendOptions.Priority"/> orders the waiting messages, higher first (a priority above the maximum counts
    /// as the maximum). In process (the in-memory transport, durable or not) one priority keeps send order and nothing
    /// starves (see <see cref="PriorityBoost"/>); it needs <see cref="EndpointFullMode.Wait"/> or
    /// <see cref="EndpointFullMode.Reject"/> and a contract without a partition key. On RabbitMQ the endpoint's queue
    /// becomes a priority queue (<c>x-max-priority</c>), strict: a steady flow of higher priorities can hold a lower one
    /// back indefinitely.
    /// </summary>
    public int MaxPriority { get; set; }

    /// <summary>
    /// In process, with <see cref="MaxPriority"/>: how many places in send order one priority level is worth. A message
    /// of priority p is queued as if it had been sent p × <see cref="PriorityBoost"/> sends earlier, so a waiting message
    /// is overtaken only by messages sent fewer than <see cref="MaxPriority"/> × <see cref="PriorityBoost"/> sends after
    /// it: no priority starves. Default 1,000; larger is closer to strict priority. RabbitMQ ignores it.
    /// </summary>
    public int PriorityBoost { get; set; } = 1_000;

    /// <summary>
    /// Whether a query to this endpoint, when its handler is in this process (the in-memory transport, serialization
    /// off), runs its handler inline on the caller's thread. Default true: no queue and no worker, so the endpoint's
    /// <see cref="Capacity"/>, <see cref="FullMode"/> and <see cref="MaxConcurrency"/> do not apply to such queries
    /// (as many run at once as there are callers), while <see cref="QueryOptions.Timeout"/>, the caller's token, the
    /// <see cref="Pipeline.IConsumeMiddleware"/> steps, telemetry and the handler's DI scope work as for a queued query.
    /// False queues queries through the endpoint like any other message, bounded by those settings. Ignored on a
    /// broker, where a query always travels through its queue.
    /// </summary>
    public bool InlineQueries { get; set; } = true;

    /// <summary>What a failed delivery does next. Default: no retries, straight to dead letters.</summary>
    public RetryPolicy Retry { get; private set; } = new();

    /// <summary>The delivery guarantee. Default <see cref="DeliveryMode.AtLeastOnce"/>.</summary>
    public DeliveryMode Delivery { get; set; } = DeliveryMode.AtLeastOnce;

    internal EndpointOptions Clone()
    {
        var clone = (EndpointOptions)MemberwiseClone();
        clone.Retry = Retry.Clone();
        return clone;
    }

    internal void Validate(string endpoint)
    {
        if (Capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, $"Endpoint '{endpoint}' needs a Capacity of at least 1.");
        }

        if (MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, $"Endpoint '{endpoint}' needs a MaxConcurrency of at least 1.");
        }

        if (MaxPriority is < 0 or > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPriority), MaxPriority, $"Endpoint '{endpoint}' needs a MaxPriority from 0 (none) to 255.");
        }

        if (PriorityBoost < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PriorityBoost), PriorityBoost, $"Endpoint '{endpoint}' needs a PriorityBoost of at least 1.");
        }

        if (!Enum.IsDefined(FullMode))
        {
            throw new ArgumentOutOfRangeException(nameof(FullMode), FullMode, $"Endpoint '{endpoint}' has an unknown FullMode.");
        }

        if (!Enum.IsDefined(OrderingFailure))
        {
            throw new ArgumentOutOfRangeException(nameof(OrderingFailure), OrderingFailure, $"Endpoint '{endpoint}' has an unknown OrderingFailure mode.");
        }

        if (!Enum.IsDefined(Delivery))
        {
            throw new ArgumentOutOfRangeException(nameof(Delivery), Delivery, $"Endpoint '{endpoint}' has an unknown Delivery mode.");
        }

        Retry.Validate(endpoint);
    }
}
