using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Transport;
using Contracts.Transport.InMemory;

namespace Contracts.Runtime.Tests;

/// <summary>The in-memory transport behind a transport the test shapes: it overrides only what it changes.</summary>
internal class WrappedTransport(TransportServices services) : ITransport, IDisposable
{
    protected InMemoryTransport Inner { get; } = new(services.Store, services.StoreReady, services.Claims, services.Time, services.Logger);

    public virtual TransportCapabilities Capabilities => Inner.Capabilities;

    public string? ReplyAddress => Inner.ReplyAddress;

    public virtual IDeadLetterQueue DeadLetters => Inner.DeadLetters;

    public virtual Task StartAsync(TransportContext context, CancellationToken cancellationToken) => Inner.StartAsync(context, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Inner.StopAsync(cancellationToken);

    public virtual ValueTask SendAsync(Envelope envelope, TransportEndpoint? endpoint, CancellationToken cancellationToken) => Inner.SendAsync(envelope, endpoint, cancellationToken);

    public ValueTask ReplyAsync(Envelope query, QueryResponse reply, CancellationToken cancellationToken) => Inner.ReplyAsync(query, reply, cancellationToken);

    public ValueTask DisposeAsync() => Inner.DisposeAsync();

    public void Dispose() => Inner.Dispose();
}
