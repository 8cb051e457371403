using System;
using Contracts.Modules;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Pipeline;

/// <summary>What every delivery of one bus shares: one object, so each delivery's context carries one reference to it.</summary>
internal sealed class DeliveryServices(MessageBus bus, IServiceScopeFactory scopes, IServiceProvider root, ServiceLifetimes? lifetimes)
{
    public MessageBus Bus { get; } = bus;

    public IServiceScopeFactory Scopes { get; } = scopes;

    public IServiceProvider Root { get; } = root;

    public ServiceLifetimes? Lifetimes { get; } = lifetimes;
}
