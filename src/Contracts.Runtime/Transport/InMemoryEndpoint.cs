using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Contracts.Modules;

namespace Contracts.Transport;

/// <summary>One message for one handler, as it waits in an endpoint's queue; <paramref name="Record"/> is its stored row with a durable store.</summary>
internal readonly record struct Delivery(Envelope Envelope, HandlerDescriptor Handler, Storage.MessageRecord? Record);

/// <summary>A handler and the endpoint that feeds it: one entry of a contract's route.</summary>
internal sealed record Subscription(HandlerDescriptor Handler, InMemoryEndpoint Endpoint);

/// <summary>A named, bounded in-process queue and the workers that consume it.</summary>
internal sealed class InMemoryEndpoint
{
    private readonly Channel<Delivery> _channel;
    private Task[] _workers = [];
    private bool _closed;

    public InMemoryEndpoint(string name, EndpointOptions options, Action<InMemoryEndpoint, Delivery> onDropped)
    {
        Name = name;
        Options = options;
        var channelOptions = new BoundedChannelOptions(options.Capacity)
        {
            FullMode = options.FullMode switch
            {
                EndpointFullMode.DropOldest => BoundedChannelFullMode.DropOldest,
                EndpointFullMode.DropNewest => BoundedChannelFullMode.DropNewest,
                _ => BoundedChannelFullMode.Wait,
            },
            SingleReader = options.MaxConcurrency == 1,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        };
        _channel = Channel.CreateBounded<Delivery>(channelOptions, delivery => onDropped(this, delivery));
    }

    public string Name { get; }

    public EndpointOptions Options { get; }

    public int Count => _channel.Reader.Count;

    /// <summary>Queues a delivery: at once when there is room, else as the endpoint's full mode says.</summary>
    public ValueTask WriteAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        if (_channel.Writer.TryWrite(delivery))
        {
            return ValueTask.CompletedTask;
        }

        if (Volatile.Read(ref _closed))
        {
            return ValueTask.FromException(new ChannelClosedException());
        }

        if (Options.FullMode == EndpointFullMode.Reject)
        {
            return ValueTask.FromException(new EndpointFullException(Name, Options.Capacity));
        }

        return _channel.Writer.WriteAsync(delivery, cancellationToken);
    }

    public void Start(Func<InMemoryEndpoint, Delivery, ValueTask<bool>> process)
    {
        var workers = new Task[Options.MaxConcurrency];

        // Workers live as long as the bus: they must not carry the starting code's ambient state (its Activity,
        // AsyncLocal values, culture) into every handler they ever run.
        using (ExecutionContext.SuppressFlow())
        {
            for (int i = 0; i < workers.Length; i++)
            {
                workers[i] = Task.Run(() => ConsumeAsync(process));
            }
        }

        _workers = workers;
    }

    /// <summary>Accepts no more deliveries; the workers finish what is queued and end.</summary>
    public void Complete()
    {
        Volatile.Write(ref _closed, true);
        _channel.Writer.TryComplete();
    }

    public Task Completion => Task.WhenAll(_workers);

    private async Task ConsumeAsync(Func<InMemoryEndpoint, Delivery, ValueTask<bool>> process)
    {
        ChannelReader<Delivery> reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out Delivery delivery))
            {
                await process(this, delivery).ConfigureAwait(false);
            }
        }
    }
}
