using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Transport;

/// <summary>
/// A broker's dead letters opened without a running bus, for operators' tools (the <c>contracts</c> tool uses them):
/// what <c>RabbitMqDeadLetterBrowser</c>, <c>NatsDeadLetterBrowser</c> and <c>RedisDeadLetterBrowser</c> share. Every
/// call goes to the transport's own <see cref="ITransport.DeadLetters"/>, so letters are read and settled exactly as a
/// bus's <see cref="IDeadLetters"/> does; disposing the browser closes the transport's connections.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public abstract class DeadLetterBrowser : IDeadLetters, IAsyncDisposable
{
    private readonly ITransport _transport;

    /// <summary>Wraps a transport that is open for its dead letters.</summary>
    /// <param name="transport">The transport; the browser disposes it.</param>
    protected DeadLetterBrowser(ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
    }

    /// <summary>Runs <paramref name="open"/> on <paramref name="transport"/>, disposing the transport when it fails.</summary>
    /// <typeparam name="TTransport">The transport's type.</typeparam>
    /// <param name="transport">The transport, not started.</param>
    /// <param name="open">Connects it for its dead letters alone.</param>
    /// <returns>The open transport.</returns>
    protected static async Task<TTransport> OpenAsync<TTransport>(TTransport transport, Func<TTransport, Task> open)
        where TTransport : ITransport
    {
        ArgumentNullException.ThrowIfNull(open);
        try
        {
            await open(transport).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return transport;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId = 0, int limit = 100, CancellationToken cancellationToken = default) =>
        _transport.DeadLetters.ListAsync(afterId, limit, cancellationToken);

    /// <inheritdoc />
    public ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken = default) => _transport.DeadLetters.GetAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> ReplayAsync(long id, CancellationToken cancellationToken = default) => _transport.DeadLetters.ReplayAsync(id, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default) =>
        _transport.DeadLetters.PurgeAsync(failedBefore, cancellationToken);

    /// <inheritdoc />
    public ValueTask<long> CountAsync(CancellationToken cancellationToken = default) => _transport.DeadLetters.CountAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _transport.DisposeAsync();
    }
}
