using System;
using System.Threading.Tasks;

namespace Contracts;

/// <summary>What the event store needs of the bus: the store once open, whether it is durable, and the relay's wake-up.</summary>
internal sealed partial class ContractsRuntime
{
    /// <summary>
    /// Completes when the bus has opened its store (the event store's reads and appends wait for it); throws at once
    /// when the bus has not started, rather than wait for a start that may never come.
    /// </summary>
    public Task StoreReadyAsync()
    {
        Task ready = _storeReady.Task;
        if (!ready.IsCompleted && _lifetime.State == BusLifetime.Created)
        {
            throw new InvalidOperationException(
                "The bus is not started, so its store is not open and the event store cannot be used yet. The bus starts with the host: " +
                "call host.StartAsync() (or host.RunAsync()) first, or use the event store from a hosted service registered after AddContracts.");
        }

        return ready;
    }

    /// <summary>Whether the store is durable: then the outbox relay runs, and appended events are published through the outbox.</summary>
    public bool DurableStore => _durableStore;

    /// <summary>Runs the outbox relay now (outbox rows were just committed in this process).</summary>
    public void WakeRelay() => _relay.Wake();
}
