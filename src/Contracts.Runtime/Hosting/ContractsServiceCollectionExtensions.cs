using System;
using Contracts.Modules;
using Contracts.Pipeline;
using Contracts.Storage;
using Microsoft.Extensions.Configuration;
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
        => AddContracts(services, configuration: null, configure);

    /// <summary>
    /// Adds Contracts as <see cref="AddContracts(IServiceCollection, Action{ContractsOptions}?)"/> does, with options and
    /// endpoint settings read from <paramref name="configuration"/> (for example
    /// <c>builder.Configuration.GetSection("Contracts")</c>, from appsettings.json). Code in <paramref name="configure"/>
    /// chooses the transport and sets defaults; what the configuration holds is applied over it, so an environment's
    /// settings can change a value without a rebuild.
    /// </summary>
    /// <remarks>
    /// The section holds <see cref="ContractsOptions"/> properties by name (<c>"QueryTimeout": "00:00:10"</c>) and
    /// <c>Endpoints</c>: <c>Defaults</c> and one section per endpoint name, each with <see cref="EndpointOptions"/>
    /// properties and a <c>Retry</c> section. A key that is not a setting, or a value that cannot be read, throws here;
    /// values out of range throw when the host starts. Read without reflection, so Native AOT is unaffected.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration section; <see langword="null"/> reads nothing.</param>
    /// <param name="configure">Chooses the transport (in memory unless told otherwise) and its settings.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="InvalidOperationException">A configuration key is unknown or its value cannot be read; two contracts share a name and version.</exception>
    public static IServiceCollection AddContracts(this IServiceCollection services, IConfiguration? configuration, Action<ContractsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new ContractsOptions();
        configure?.Invoke(options);
        if (!options.HasTransport)
        {
            options.UseInMemoryTransport();
        }

        if (configuration is not null)
        {
            ContractsConfiguration.ApplyOptions(configuration, options);
            ContractsConfiguration.ApplyEndpoints(configuration, options.TransportSettings);
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
            RefuseOptionsPattern(services, options),
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
        services.TryAddSingleton(sp => new EventSourcing.EventStore(
            sp.GetRequiredService<ContractsRuntime>(), catalog, sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<IServiceScopeFactory>()));
        services.TryAddSingleton<EventSourcing.IEventStore>(sp => sp.GetRequiredService<EventSourcing.EventStore>());
        services.TryAddSingleton<EventSourcing.IAggregateStore>(sp => new EventSourcing.AggregateStore(
            sp.GetRequiredService<ContractsRuntime>(),
            sp.GetRequiredService<EventSourcing.EventStore>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILogger<EventSourcing.IAggregateStore>>() ?? NullLogger<EventSourcing.IAggregateStore>.Instance));
        AddProjections(services);
        services.TryAddSingleton<Transport.ITransport>(sp => sp.GetRequiredService<ContractsRuntime>().Transport);
        services.TryAddSingleton<Scheduling.IMessageScheduler>(sp => sp.GetRequiredService<ContractsRuntime>().Scheduler);
        services.TryAddSingleton<ISagas>(sp => new Sagas.SagaInspector(sp.GetRequiredService<ContractsRuntime>().Store));
        services.TryAddSingleton(sp => new Diagnostics.BusProbe(sp.GetRequiredService<ContractsRuntime>()));
        services.AddSingleton<IHostedService>(sp => new ContractsHostedService(
            sp.GetRequiredService<ContractsRuntime>(),
            noModules ? sp.GetService<ILogger<ContractsRuntime>>() : null));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Projections.ProjectionEngine>());
        return services;
    }

    /// <summary>The projections' status and rebuild, and the host of their daemons (after the bus's, so it starts first).</summary>
    private static void AddProjections(IServiceCollection services)
    {
        services.TryAddSingleton(sp => new Projections.ProjectionEngine(
            sp.GetRequiredService<ContractsRuntime>(),
            sp.GetRequiredService<EventSourcing.EventStore>(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetService<ILogger<Projections.ProjectionEngine>>() ?? (ILogger)NullLogger.Instance));
        services.TryAddSingleton<Projections.IProjections>(sp => sp.GetRequiredService<Projections.ProjectionEngine>());
    }

    /// <summary>
    /// <c>services.Configure&lt;ContractsOptions&gt;(...)</c> would be silently ignored (the bus does not read
    /// <c>IOptions&lt;ContractsOptions&gt;</c>), so it is refused when the bus is built, naming the overload that works.
    /// </summary>
    private static ContractsOptions RefuseOptionsPattern(IServiceCollection services, ContractsOptions options)
    {
        foreach (ServiceDescriptor descriptor in services)
        {
            Type type = descriptor.ServiceType;
            if (type.IsGenericType && type.Namespace == "Microsoft.Extensions.Options" && type.GenericTypeArguments is [Type argument] && argument == typeof(ContractsOptions))
            {
                throw new InvalidOperationException(
                    $"A {type.Name.Split('`')[0]}<ContractsOptions> is registered (services.Configure<ContractsOptions>(...)?), but Contracts does not read " +
                    "IOptions<ContractsOptions>, so it would have no effect. Pass the configuration section to AddContracts instead: " +
                    "services.AddContracts(configuration.GetSection(\"Contracts\"), o => ...).");
            }
        }

        return options;
    }
}
