using System;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Contracts.Transport.Nats;

/// <summary>Topology: the event and dead-letter streams, each consumed endpoint's stream, and the durable consumers.</summary>
internal sealed partial class NatsTransport
{
    /// <summary>JetStream's error code for a stream that does not exist.</summary>
    internal const int StreamNotFound = 10059;

    /// <summary>JetStream's error code for a consumer that does not exist.</summary>
    internal const int ConsumerNotFound = 10014;

    /// <summary>The most deliveries a consumer leaves unacknowledged at once, over every process that shares it.</summary>
    private const int MaxAckPending = 20_000;

    /// <summary>The event stream (every process publishes to it) and the dead-letter stream.</summary>
    internal async Task DeclareSharedStreamsAsync(CancellationToken cancellationToken)
    {
        await DeclareStreamAsync(new StreamConfig(Names.EventStream, [Names.EventSubjects])
        {
            Description = "Contracts: every event, kept for replay by subscriptions that start from a position",
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            MaxAge = _options.EventRetention,
            DuplicateWindow = _options.DuplicateWindow,
        }, cancellationToken).ConfigureAwait(false);
        await DeclareStreamAsync(new StreamConfig(Names.DeadLetterStream, [Names.DeadLetterRoot, Names.DeadLetterSubjects])
        {
            Description = "Contracts: dead letters, one subject per endpoint",
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            MaxAge = _options.DeadLetterRetention,
            DuplicateWindow = _options.DuplicateWindow,
            AllowDirect = true,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The work-queue stream of <paramref name="endpoint"/>, bounded as its <see cref="EndpointOptions.FullMode"/> says.</summary>
    private Task DeclareEndpointStreamAsync(TransportEndpoint endpoint, CancellationToken cancellationToken) =>
        DeclareEndpointStreamAsync(endpoint, [Names.EndpointSubject(endpoint.Name)], cancellationToken);

    /// <summary>The work-queue stream of <paramref name="endpoint"/> capturing <paramref name="subjects"/>.</summary>
    private Task DeclareEndpointStreamAsync(TransportEndpoint endpoint, string[] subjects, CancellationToken cancellationToken)
    {
        EndpointOptions options = endpoint.Options;
        var config = new StreamConfig(Names.EndpointStream(endpoint.Name), subjects)
        {
            Description = $"Contracts: endpoint {endpoint.Name}",
            Retention = StreamConfigRetention.Workqueue,
            Storage = StreamConfigStorage.File,
            DuplicateWindow = _options.DuplicateWindow,
            // A query nobody answers is dropped after a while instead of waiting for ever (2.9 has no per-message TTL).
            MaxAge = endpoint.Contract.Kind == MessageKind.Query ? _options.QueryRetention : TimeSpan.Zero,
        };
        if (options.FullMode is EndpointFullMode.DropOldest or EndpointFullMode.Reject)
        {
            config.MaxMsgs = options.Capacity;
            config.Discard = options.FullMode == EndpointFullMode.DropOldest ? StreamConfigDiscard.Old : StreamConfigDiscard.New;
        }

        return DeclareStreamAsync(config, cancellationToken);
    }

    private async Task DeclareStreamAsync(StreamConfig config, CancellationToken cancellationToken)
    {
        try
        {
            await JetStream.CreateOrUpdateStreamAsync(config, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException ex)
        {
            throw new InvalidOperationException(
                $"Stream '{config.Name}' (subjects {string.Join(", ", config.Subjects ?? [])}) could not be created or updated on NATS at {_options.Url}: " +
                $"{ex.Error.Description} (JetStream error {ex.Error.ErrCode}). A stream of that name with another retention or storage, or another stream " +
                "capturing the same subjects, must be removed first (after draining it).", ex);
        }
    }

    /// <summary>
    /// The durable pull consumer <paramref name="config"/> names on <paramref name="stream"/>: taken as it is when it
    /// exists (its position is the point of a durable consumer; where it starts applies only to a new one), with its
    /// acknowledgement settings brought up to this process's; created otherwise.
    /// </summary>
    private async Task<INatsJSConsumer> DeclareConsumerAsync(string stream, ConsumerConfig config, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                INatsJSConsumer existing = await JetStream.GetConsumerAsync(stream, config.Name!, cancellationToken).ConfigureAwait(false);
                ConsumerConfig current = existing.Info.Config;
                if (current.FilterSubject != config.FilterSubject && !(string.IsNullOrEmpty(current.FilterSubject) && string.IsNullOrEmpty(config.FilterSubject)))
                {
                    throw new InvalidOperationException(
                        $"Consumer '{config.Name}' of stream '{stream}' exists with filter subject '{current.FilterSubject}', not '{config.FilterSubject}'. " +
                        "Delete it (its position is lost) or keep the endpoint names.");
                }

                if (current.AckWait != config.AckWait || current.MaxAckPending != config.MaxAckPending || current.MaxDeliver != config.MaxDeliver)
                {
                    ConsumerConfig update = current with { AckWait = config.AckWait, MaxAckPending = config.MaxAckPending, MaxDeliver = config.MaxDeliver };
                    return await JetStream.UpdateConsumerAsync(stream, update, cancellationToken).ConfigureAwait(false);
                }

                return existing;
            }
            catch (NatsJSApiException ex) when (ex.Error.ErrCode == ConsumerNotFound)
            {
                // Created below; another process may create it first, and the next turn finds it.
            }

            try
            {
                return await JetStream.CreateConsumerAsync(stream, config, cancellationToken).ConfigureAwait(false);
            }
            catch (NatsJSApiException ex) when (attempt < 3)
            {
                Log.ConsumerRace(_logger, config.Name!, stream, ex.Error.Description ?? ex.Message);
            }
        }
    }

    /// <summary>The shared consumer of an endpoint's own stream.</summary>
    private ConsumerConfig WorkerConfig() => new(NatsNames.WorkerConsumer)
    {
        DurableName = NatsNames.WorkerConsumer,
        AckPolicy = ConsumerConfigAckPolicy.Explicit,
        AckWait = _options.AckWait,
        MaxDeliver = -1,
        MaxAckPending = MaxAckPending,
        DeliverPolicy = ConsumerConfigDeliverPolicy.All,
    };

    /// <summary>The consumer of event subscription <paramref name="endpoint"/> on the event stream, from where its start says.</summary>
    private ConsumerConfig SubscriptionConfig(TransportEndpoint endpoint)
    {
        string name = Names.SubscriptionConsumer(endpoint.Name);
        var config = new ConsumerConfig(name)
        {
            DurableName = name,
            Description = $"Contracts: subscription {endpoint.Name}",
            FilterSubject = endpoint.Topic is { } topic ? Names.EventFilter(topic) : Names.EventSubject(endpoint.ContractAddress),
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = _options.AckWait,
            MaxDeliver = -1,
            MaxAckPending = MaxAckPending,
        };
        NatsStreamStart start = _options.StartOf(endpoint.Name, endpoint.ContractAddress);
        switch (start.Kind)
        {
            case NatsStreamStartKind.All:
                config.DeliverPolicy = ConsumerConfigDeliverPolicy.All;
                break;
            case NatsStreamStartKind.Sequence:
                config.DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence;
                config.OptStartSeq = start.Sequence;
                break;
            case NatsStreamStartKind.Time:
                config.DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartTime;
                config.OptStartTime = start.Time;
                break;
            default:
                config.DeliverPolicy = ConsumerConfigDeliverPolicy.New;
                break;
        }

        return config;
    }
}
