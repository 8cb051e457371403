using System;
using Contracts.Modules;
using Contracts.Pipeline;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts;

/// <summary>Adds Contracts to a service collection.</summary>
public static class ContractsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the bus, the contract catalog and every handler the generator found in this process's modules,
    /// and a hosted service that starts the endpoints and drains them on shutdown.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Chooses the transport (in memory unless told otherwise) and its settings.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Two contracts share a name and version.</exception>
    public static IServiceCollection AddContracts(this IServiceCollection services, Action<ContractsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new ContractsOptions();
        configure?.Invoke(options);
        if (!options.HasTransport)
        {
            options.UseInMemoryTransport();
        }

        var builder = new ContractsModuleBuilder(services);
        foreach (ContractsModule module in ContractsModules.All)
        {
            module.Configure(builder);
        }

        var catalog = new ContractCatalog(builder.Contracts);
        HandlerDescriptor[] handlers = [.. builder.Handlers];
        bool noModules = ContractsModules.All.Count == 0;

        services.AddSingleton(options);
        services.AddSingleton(catalog);
        services.TryAddSingleton(sp => new ContractsRuntime(
            options,
            catalog,
            handlers,
            sp.GetServices<IConsumeMiddleware>(),
            sp,
            sp.GetService<ILogger<ContractsRuntime>>() ?? NullLogger<ContractsRuntime>.Instance,
            sp.GetService<TimeProvider>(),
            sp.GetService<IMessageStore>(),
            new ServiceLifetimes(services)));
        if (options.StoreFactory is { } storeFactory)
        {
            services.TryAddSingleton(storeFactory);
        }

        services.TryAddSingleton<IDeadLetters>(sp => sp.GetRequiredService<ContractsRuntime>().DeadLetters);
        services.TryAddSingleton<IMessageBus>(sp => sp.GetRequiredService<ContractsRuntime>().Bus);
        services.TryAddSingleton<Transport.ITransport>(sp => sp.GetRequiredService<ContractsRuntime>().Transport);
        services.AddSingleton<IHostedService>(sp => new ContractsHostedService(
            sp.GetRequiredService<ContractsRuntime>(),
            noModules ? sp.GetService<ILogger<ContractsRuntime>>() : null));
        return services;
    }
}
