using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Sagas;

namespace Contracts;

/// <summary>
/// Reads saga instances from the store, for inspection: status, state, pending compensations and history. Resolve it
/// from DI (<c>AddContracts</c> registers it).
/// </summary>
public interface ISagas
{
    /// <summary>Instance <paramref name="sagaId"/> of <typeparamref name="TSaga"/>, or <see langword="null"/> when none was saved.</summary>
    /// <typeparam name="TSaga">The saga.</typeparam>
    /// <typeparam name="TState">Its state.</typeparam>
    /// <param name="sagaId">The instance id (the messages' <see cref="SagaIdAttribute"/> value).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The instance.</returns>
    ValueTask<SagaInstance<TState>?> FindAsync<TSaga, TState>(Guid sagaId, CancellationToken cancellationToken = default)
        where TSaga : Saga<TState>, ISagaDefinition<TState>
        where TState : class, new()
        => FindAsync<TSaga, TState>(SagaKeys.Of(sagaId), cancellationToken);

    /// <summary>Instance <paramref name="sagaId"/> of <typeparamref name="TSaga"/>, or <see langword="null"/> when none was saved.</summary>
    /// <typeparam name="TSaga">The saga.</typeparam>
    /// <typeparam name="TState">Its state.</typeparam>
    /// <param name="sagaId">The instance id as stored (<see cref="SagaKeys"/>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The instance.</returns>
    ValueTask<SagaInstance<TState>?> FindAsync<TSaga, TState>(string sagaId, CancellationToken cancellationToken = default)
        where TSaga : Saga<TState>, ISagaDefinition<TState>
        where TState : class, new();

    /// <summary>Instances of <typeparamref name="TSaga"/>, oldest update first.</summary>
    /// <typeparam name="TSaga">The saga.</typeparam>
    /// <typeparam name="TState">Its state.</typeparam>
    /// <param name="status">Only those with this status, or <see langword="null"/> for all.</param>
    /// <param name="offset">How many to skip.</param>
    /// <param name="limit">How many at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page.</returns>
    ValueTask<IReadOnlyList<SagaInstance<TState>>> ListAsync<TSaga, TState>(SagaStatus? status = null, int offset = 0, int limit = 100, CancellationToken cancellationToken = default)
        where TSaga : Saga<TState>, ISagaDefinition<TState>
        where TState : class, new();
}
