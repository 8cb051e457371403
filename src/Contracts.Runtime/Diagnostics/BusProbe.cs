using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Transport;

namespace Contracts.Diagnostics;

/// <summary>
/// The questions a health check asks the bus, each cheap and answered by the part that knows: is the transport
/// connected, does the store answer, how many dead letters are there, how many messages wait on each endpoint.
/// Resolve it from DI (<c>AddContracts</c> registers it); the <c>Contracts.HealthChecks</c> package turns its answers
/// into health check results. Not for a hot path: every call may ask a database or a broker.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class BusProbe
{
    private readonly ContractsRuntime _runtime;

    internal BusProbe(ContractsRuntime runtime) => _runtime = runtime;

    /// <summary>Whether the bus started (its host started it, and the start did not fail) and has not stopped.</summary>
    public bool IsRunning => _runtime.State == BusLifetime.Running && _runtime.StartFailure is null;

    /// <summary>The store's type name, for a health check's description (<c>SqliteMessageStore</c>).</summary>
    public string StoreName => _runtime.Store.GetType().Name;

    /// <summary>This process's endpoints, by name, in the order the bus declared them.</summary>
    public IReadOnlyList<string> Endpoints
    {
        get
        {
            IReadOnlyList<TransportEndpoint> endpoints = _runtime.Routes.Endpoints;
            string[] names = new string[endpoints.Count];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = endpoints[i].Name;
            }

            return names;
        }
    }

    /// <summary>Whether the bus is running and its transport connected.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>What the transport is connected to.</returns>
    /// <exception cref="InvalidOperationException">The bus is not running, or its transport is not connected; the message says which and why.</exception>
    public ValueTask<string> CheckTransportAsync(CancellationToken cancellationToken = default) => _runtime.State switch
    {
        BusLifetime.Running when _runtime.StartFailure is { } failure => ValueTask.FromException<string>(new InvalidOperationException(
            $"The bus did not start: {failure.Message}", failure)),
        BusLifetime.Running => _runtime.Transport.CheckConnectionAsync(cancellationToken),
        BusLifetime.Created => ValueTask.FromException<string>(new InvalidOperationException(
            "The bus is not started: its host has not started yet (or AddContracts' hosted service is not run).")),
        _ => ValueTask.FromException<string>(new InvalidOperationException("The bus has stopped: its host is stopping or stopped.")),
    };

    /// <summary>Asks the store one cheap question (<see cref="Storage.IMessageStore.PingAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the question.</param>
    /// <returns>Completes when the store answered; throws what went wrong when it did not.</returns>
    public ValueTask PingStoreAsync(CancellationToken cancellationToken = default) => _runtime.Store.PingAsync(cancellationToken);

    /// <summary>How many dead letters there are, where the transport keeps them (<see cref="IDeadLetters.CountAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The number of dead letters.</returns>
    public ValueTask<long> CountDeadLettersAsync(CancellationToken cancellationToken = default) => _runtime.DeadLetters.CountAsync(cancellationToken);

    /// <summary>How many messages wait on each endpoint of this process (<see cref="ITransport.CountBacklogAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>One entry per endpoint; <see cref="EndpointBacklog.Messages"/> is <see langword="null"/> where the transport cannot tell.</returns>
    public async ValueTask<IReadOnlyList<EndpointBacklog>> CountBacklogAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<TransportEndpoint> endpoints = _runtime.Routes.Endpoints;
        EndpointBacklog[] backlog = new EndpointBacklog[endpoints.Count];
        for (int i = 0; i < backlog.Length; i++)
        {
            TransportEndpoint endpoint = endpoints[i];
            long? messages = await _runtime.Transport.CountBacklogAsync(endpoint, cancellationToken).ConfigureAwait(false);
            backlog[i] = new EndpointBacklog(endpoint.Name, messages);
        }

        return backlog;
    }
}
