using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Sagas;

/// <summary>Reads instances through the store's saga role and the saga's generated state formatter.</summary>
internal sealed class SagaInspector(IMessageStore store) : ISagas
{
    public async ValueTask<SagaInstance<TState>?> FindAsync<TSaga, TState>(string sagaId, CancellationToken cancellationToken = default)
        where TSaga : Saga<TState>, ISagaDefinition<TState>
        where TState : class, new()
    {
        SagaRecord? record = await store.Sagas.LoadAsync(TSaga.SagaName, sagaId, transaction: null, cancellationToken).ConfigureAwait(false);
        return record is null ? null : ToInstance<TSaga, TState>(record);
    }

    public async ValueTask<IReadOnlyList<SagaInstance<TState>>> ListAsync<TSaga, TState>(SagaStatus? status = null, int offset = 0, int limit = 100, CancellationToken cancellationToken = default)
        where TSaga : Saga<TState>, ISagaDefinition<TState>
        where TState : class, new()
    {
        IReadOnlyList<SagaRecord> records = await store.Sagas.ListAsync(TSaga.SagaName, status, offset, limit, cancellationToken).ConfigureAwait(false);
        var instances = new List<SagaInstance<TState>>(records.Count);
        foreach (SagaRecord record in records)
        {
            instances.Add(ToInstance<TSaga, TState>(record));
        }

        return instances;
    }

    private static SagaInstance<TState> ToInstance<TSaga, TState>(SagaRecord record)
        where TSaga : Saga<TState>, ISagaDefinition<TState>
        where TState : class, new()
    {
        SagaData data = SagaData.Read(record.Data, record.Saga, record.SagaId);
        var pending = new List<string>(data.Compensations.Count);
        foreach (StoredCompensation compensation in data.Compensations)
        {
            pending.Add(compensation.Contract);
        }

        TState state = SagaData.ReadState(data.State, TSaga.StateFormatter, record.Saga);
        return new SagaInstance<TState>(record.SagaId, record.Status, record.Version, state, pending, data.History, record.UpdatedAt);
    }
}
