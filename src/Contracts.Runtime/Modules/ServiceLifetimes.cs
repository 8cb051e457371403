using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Modules;

/// <summary>
/// The application's service registrations as the runtime needs them: whether a service resolves to a singleton,
/// and whether a handler is still registered by the generated module (not replaced by the application). With it a
/// handler whose constructor takes only singletons is created without a DI scope.
/// </summary>
internal sealed class ServiceLifetimes
{
    private readonly Dictionary<Type, ServiceDescriptor> _last = [];

    /// <summary>Reads <paramref name="services"/> once the provider is built (the last registration of a type wins, as in DI).</summary>
    public ServiceLifetimes(IServiceCollection services)
    {
        foreach (ServiceDescriptor descriptor in services)
        {
            if (!descriptor.IsKeyedService)
            {
                _last[descriptor.ServiceType] = descriptor;
            }
        }
    }

    /// <summary>Whether resolving <paramref name="type"/> gives a singleton; unknown types, and the provider itself, count as not.</summary>
    public bool IsSingleton(Type type)
    {
        if (type == typeof(IServiceScopeFactory))
        {
            return true;
        }

        if (_last.TryGetValue(type, out ServiceDescriptor? descriptor) ||
            (type.IsConstructedGenericType && _last.TryGetValue(type.GetGenericTypeDefinition(), out descriptor)))
        {
            return descriptor.Lifetime == ServiceLifetime.Singleton;
        }

        return false;
    }

    /// <summary>Whether <paramref name="handler"/> is registered with the generated <paramref name="factory"/>, not by the application.</summary>
    public bool IsGeneratedRegistration(Type handler, object factory) =>
        _last.TryGetValue(handler, out ServiceDescriptor? descriptor) && ReferenceEquals(descriptor.ImplementationFactory, factory);
}
