using System;
using System.ComponentModel;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport;

/// <summary>What the bus hands the factory of its transport.</summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public sealed class TransportServices
{
    internal TransportServices(IServiceProvider services, IMessageStore store, Task<long> storeReady, TimeProvider time, ILogger logger)
    {
        Services = services;
        Store = store;
        StoreReady = storeReady;
        Time = time;
        Logger = logger;
    }

    /// <summary>The application's services.</summary>
    public IServiceProvider Services { get; }

    /// <summary>The bus's store.</summary>
    public IMessageStore Store { get; }

    /// <summary>The bus's clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Completes with the highest queued sequence once the store is initialized.</summary>
    internal Task<long> StoreReady { get; }

    internal ILogger Logger { get; }
}
