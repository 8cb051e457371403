using System;

namespace Contracts.Modules;

/// <summary>Passes resolutions through to the delivery's scope and notes whether every one of them was a singleton.</summary>
internal sealed class ActivationProbe(IServiceProvider scope, ServiceLifetimes lifetimes) : IServiceProvider
{
    public bool OnlySingletons { get; private set; } = true;

    public object? GetService(Type serviceType)
    {
        if (!lifetimes.IsSingleton(serviceType))
        {
            OnlySingletons = false;
        }

        return scope.GetService(serviceType);
    }
}
