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
    internal TransportServices(IServiceProvider services, IMessageStore store, Task storeReady, Durability.StoreClaims claims, TimeProvider time, ILogger logger)
    {
        Services = services;
        Store = store;
        StoreReady = storeReady;
        Claims = claims;
        Time = time;
        Logger = logger;
    }

    /// <summary>The application's services.</summary>
    public IServiceProvider Services { get; }

    /// <summary>The bus's store.</summary>
    public IMessageStore Store { get; }

    /// <summary>The bus's clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Completes once the store is initialized.</summary>
    internal Task StoreReady { get; }

    /// <summary>The bus's claims on stored rows.</summary>
    internal Durability.StoreClaims Claims { get; }

    internal ILogger Logger { get; }
}
