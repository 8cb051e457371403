using System;

namespace Contracts;

/// <summary>
/// Settings of the RabbitMQ transport. Endpoint settings mean on RabbitMQ: <see cref="EndpointOptions.MaxConcurrency"/>
/// handlers at once per process, a prefetch of <see cref="PrefetchPerConsumer"/> times that, <see cref="EndpointOptions.MaxPriority"/>
/// a priority queue; <see cref="EndpointOptions.Capacity"/> bounds the queue only with <see cref="EndpointFullMode.DropOldest"/>
/// (the broker drops the head) or <see cref="EndpointFullMode.Reject"/> (the broker refuses the publish); with
/// <see cref="EndpointFullMode.Wait"/> the broker buffers, and a producer waits for its publisher confirms.
/// </summary>
public sealed class RabbitMqTransportOptions : TransportOptions
{
    /// <summary>The broker, as an AMQP URI. Default <c>amqp://guest:guest@127.0.0.1:5672/</c>.</summary>
    public Uri Uri { get; set; } = new("amqp://guest:guest@127.0.0.1:5672/");

    /// <summary>The direct exchange every endpoint queue is bound to; delay exchanges and queues take it as prefix. Default <c>contracts</c>.</summary>
    public string Exchange { get; set; } = "contracts";

    /// <summary>The connection's name in the broker's management tools. Default: <c>contracts</c> and the process name.</summary>
    public string? ConnectionName { get; set; }

    /// <summary>How many unacknowledged messages the broker hands each concurrent handler of an endpoint. Default 16.</summary>
    public int PrefetchPerConsumer { get; set; } = 16;

    /// <summary>
    /// How many publishes may wait for their publisher confirm at once (the confirm window), in this process: a slot
    /// is held from the publish until its confirm, and further publishes wait for one. Default 256.
    /// </summary>
    public int ConfirmWindow { get; set; } = 256;

    /// <summary>
    /// The most a publish takes before it throws <see cref="TimeoutException"/>: waiting for room in the confirm
    /// window, the publish and its confirm, and retries with the same message id while the connection is lost and
    /// recovering. Default 30 seconds. Publishes whose deadlines fall close together share one timer, so the
    /// deadline is kept to within a thirty-second of it late, never early.
    /// </summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long publishes may wait with no publisher confirm arriving before the publishing connection counts as
    /// wedged and is replaced by a new one (the waiting publishes are tried again on it, with the same message ids).
    /// Not applied while the broker blocks publishers (a memory or disk alarm). Default 10 seconds.
    /// </summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many partition queues an endpoint whose contract has a <see cref="PartitionKeyAttribute"/> member gets:
    /// <c>{endpoint}.p0</c> to <c>{endpoint}.p{N-1}</c>, each with a single active consumer, a message going to the one
    /// its key's hash picks. It bounds how many processes share the endpoint's work (one process is active on a partition
    /// at a time). Every process of one exchange must use the same number: a sender with another one reaches no queue
    /// (a command fails with <see cref="NoHandlerException"/>), and a consumer started with another one than its queues were
    /// declared with is refused at start. Default 16.
    /// </summary>
    public int Partitions { get; set; } = 16;

    /// <summary>The AMQP heartbeat asked of the broker: a connection silent for two of them counts as lost. Default 20 seconds.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(20);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Uri);
        ArgumentException.ThrowIfNullOrEmpty(Exchange);
        ArgumentOutOfRangeException.ThrowIfLessThan(PrefetchPerConsumer, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ConfirmWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PublishTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConfirmTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(Partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Partitions, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(Heartbeat, TimeSpan.FromSeconds(1));
    }
}
