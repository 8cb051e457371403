using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Contracts.Transport.RabbitMq;

/// <summary>Topology: the exchange, endpoint and error queues at start, and delay levels when first used.</summary>
internal sealed partial class RabbitMqTransport
{
    /// <summary>The exchange, the exchange's own error queue, and each consumed endpoint's queue, bindings and error queue.</summary>
    private async Task DeclareTopologyAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(_options.Exchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await DeclareTopicExchangeAsync(channel, cancellationToken).ConfigureAwait(false);

        await channel.QueueDeclareAsync(ErrorQueue(""), durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (TransportEndpoint endpoint in _consumed)
        {
            await DeclareEndpointAsync(channel, endpoint, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeclareEndpointAsync(IChannel channel, TransportEndpoint endpoint, CancellationToken cancellationToken)
    {
        EndpointOptions options = endpoint.Options;
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (options.MaxPriority > 0)
        {
            arguments["x-max-priority"] = options.MaxPriority;
        }

        if (options.FullMode is EndpointFullMode.DropOldest or EndpointFullMode.Reject)
        {
            // A partitioned endpoint's partition queues share the capacity, as the in-process lanes do.
            arguments["x-max-length"] = IsPartitioned(endpoint) ? (options.Capacity + _options.Partitions - 1) / _options.Partitions : options.Capacity;
            arguments["x-overflow"] = options.FullMode == EndpointFullMode.DropOldest ? "drop-head" : "reject-publish";
        }

        if (IsPartitioned(endpoint))
        {
            await DeclarePartitionsAsync(channel, endpoint, arguments, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await DeclareQueueAsync(channel, endpoint.Name, arguments, cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(endpoint.Name, _options.Exchange, endpoint.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (endpoint.Topic is not null)
            {
                await BindTopicAsync(channel, endpoint, cancellationToken).ConfigureAwait(false);
                if (CarriesKeyed(endpoint))
                {
                    await BindKeyedTopicAsync(channel, endpoint, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (endpoint.ContractAddress != endpoint.Name)
            {
                await channel.QueueBindAsync(endpoint.Name, _options.Exchange, endpoint.ContractAddress, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        await channel.QueueDeclareAsync(ErrorQueue(endpoint.Name), durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static async Task DeclareQueueAsync(IChannel channel, string queue, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        try
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
        {
            throw new InvalidOperationException(
                $"Queue '{queue}' exists on the broker with other settings (priority, length limit, overflow or single active consumer) than this endpoint's. " +
                $"RabbitMQ cannot change a queue's arguments: delete the queue (after draining it) or keep the settings. Broker: {ex.ShutdownReason.ReplyText}", ex);
        }
    }

    private Task EnsureDelayLevelAsync(int level)
    {
        Task? declared = Volatile.Read(ref _delayLevels[level]);
        if (declared is { IsFaulted: false })
        {
            return declared;
        }

        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task? current = Interlocked.CompareExchange(ref _delayLevels[level], mine.Task, declared);
        if (current != declared)
        {
            return current!;
        }

        _ = DeclareDelayLevelAsync(level, mine);
        return mine.Task;
    }

    private async Task DeclareDelayLevelAsync(int level, TaskCompletionSource done)
    {
        try
        {
            // Slots from DelayLevels on are the levels of delayed events: they end in the topic exchange (RabbitMqTransport.Topics).
            bool events = level >= DelayLevels;
            string name = events ? EventDelayName(level - DelayLevels) : DelayName(level);
            // A channel of its own: a declaration the broker refuses closes only it.
            await using IChannel channel = await Connection.CreateChannelAsync().ConfigureAwait(false);
            await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false).ConfigureAwait(false);
            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["x-message-ttl"] = 1L << (events ? level - DelayLevels : level),
                ["x-dead-letter-exchange"] = events ? TopicExchange : _options.Exchange,
            };
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments).ConfigureAwait(false);
            await channel.QueueBindAsync(name, name, "").ConfigureAwait(false);
            done.TrySetResult();
        }
        catch (Exception ex)
        {
            done.TrySetException(ex);
        }
    }

    /// <summary>Where an endpoint's dead letters go; those of no endpoint go to the exchange's own error queue.</summary>
    internal string ErrorQueue(string endpoint) => (endpoint.Length == 0 ? _options.Exchange : endpoint) + ".error";

    private string DelayName(int level) => $"{_options.Exchange}.delay.{level}";
}
