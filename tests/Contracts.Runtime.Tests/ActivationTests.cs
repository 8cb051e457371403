using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Modules;
using Contracts.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>A delivery creates a DI scope only when its handler needs one; DI semantics stay as they were.</summary>
public sealed partial class ActivationTests
{
    [Command] public partial record WithSingletons([property: IdempotencyKey] int N);
    [Command] public partial record WithScoped([property: IdempotencyKey] int N);
    [Command] public partial record WithOwnRegistration([property: IdempotencyKey] int N);
    [Command] public partial record WithDisposableHandler([property: IdempotencyKey] int N);

    public sealed class Log
    {
        public readonly ConcurrentQueue<object> Seen = new();
        public readonly SemaphoreSlim Handled = new(0);
        public int Disposed;
    }

    public sealed class Scoped(Log log) : IDisposable
    {
        public void Dispose() => Interlocked.Increment(ref log.Disposed);
    }

    public sealed class WithSingletonsHandler(Log log) : ICommandHandler<WithSingletons>
    {
        public ValueTask HandleAsync(WithSingletons command, MessageContext context, CancellationToken cancellationToken)
        {
            // The scope still exists for a handler that asks for it: created on demand, disposed after the delivery.
            log.Seen.Enqueue(context.Services.GetRequiredService<Scoped>());
            log.Handled.Release();
            return ValueTask.CompletedTask;
        }
    }

    public sealed class WithScopedHandler(Log log, Scoped scoped) : ICommandHandler<WithScoped>
    {
        public ValueTask HandleAsync(WithScoped command, MessageContext context, CancellationToken cancellationToken)
        {
            log.Seen.Enqueue(scoped);
            Assert.Same(scoped, context.Services.GetRequiredService<Scoped>());
            log.Handled.Release();
            return ValueTask.CompletedTask;
        }
    }

    public sealed class WithOwnRegistrationHandler(Log log) : ICommandHandler<WithOwnRegistration>
    {
        public ValueTask HandleAsync(WithOwnRegistration command, MessageContext context, CancellationToken cancellationToken)
        {
            log.Seen.Enqueue(this);
            log.Handled.Release();
            return ValueTask.CompletedTask;
        }
    }

    public sealed class WithDisposableHandlerHandler(Log log) : ICommandHandler<WithDisposableHandler>, IDisposable
    {
        public ValueTask HandleAsync(WithDisposableHandler command, MessageContext context, CancellationToken cancellationToken)
        {
            log.Handled.Release();
            return ValueTask.CompletedTask;
        }

        public void Dispose() => Interlocked.Increment(ref log.Disposed);
    }

    private static Task<TestBus> StartAsync(Log log, Action<IServiceCollection>? more = null) =>
        TestBus.StartAsync(s =>
        {
            s.AddSingleton(log).AddScoped<Scoped>();
            more?.Invoke(s);
        });

    private static HandlerDescriptor HandlerOf<T>(TestBus host)
        where T : class, IContract<T> => host.Get<ContractsRuntime>().Routes.Find(Descriptor.Of<T>())[0].Handler;

    private static Task HandledAsync(Log log, int count) => Wait.For(log.Handled, count);

    /// <summary>Disposal follows the handler's return: poll briefly for it.</summary>
    private static async Task DisposedAsync(Log log, int count)
    {
        using var cts = new CancellationTokenSource(TestBus.Timeout);
        while (Volatile.Read(ref log.Disposed) < count)
        {
            await Task.Delay(10, cts.Token);
        }

        Assert.Equal(count, Volatile.Read(ref log.Disposed));
    }

    [Fact]
    public async Task A_handler_that_takes_only_singletons_is_created_without_a_scope_and_can_still_open_one()
    {
        var log = new Log();
        await using TestBus host = await StartAsync(log);
        for (int i = 0; i < 3; i++)
        {
            await host.Bus.SendAsync(new WithSingletons(i));
        }

        await HandledAsync(log, 3);
        Assert.True(HandlerOf<WithSingletons>(host).CreatedWithoutScope);

        // Each delivery that asked for a scoped service got its own scope, disposed after it.
        Assert.Equal(3, new System.Collections.Generic.HashSet<object>(log.Seen).Count);
        await DisposedAsync(log, 3);
    }

    [Fact]
    public async Task A_handler_with_a_scoped_dependency_gets_a_scope_per_delivery()
    {
        var log = new Log();
        await using TestBus host = await StartAsync(log);
        for (int i = 0; i < 3; i++)
        {
            await host.Bus.SendAsync(new WithScoped(i));
        }

        await HandledAsync(log, 3);
        Assert.False(HandlerOf<WithScoped>(host).CreatedWithoutScope);
        Assert.Equal(3, new System.Collections.Generic.HashSet<object>(log.Seen).Count);
        await DisposedAsync(log, 3);
    }

    [Fact]
    public async Task A_handler_the_application_registered_itself_keeps_that_registration()
    {
        var log = new Log();
        await using TestBus host = await StartAsync(log, s => s.AddSingleton<WithOwnRegistrationHandler>());
        for (int i = 0; i < 3; i++)
        {
            await host.Bus.SendAsync(new WithOwnRegistration(i));
        }

        await HandledAsync(log, 3);
        Assert.False(HandlerOf<WithOwnRegistration>(host).CreatedWithoutScope);
        Assert.Single(new System.Collections.Generic.HashSet<object>(log.Seen));
    }

    [Fact]
    public async Task A_disposable_handler_is_left_to_DI_and_disposed_after_each_delivery()
    {
        var log = new Log();
        await using TestBus host = await StartAsync(log);
        for (int i = 0; i < 3; i++)
        {
            await host.Bus.SendAsync(new WithDisposableHandler(i));
        }

        await HandledAsync(log, 3);
        Assert.False(HandlerOf<WithDisposableHandler>(host).CreatedWithoutScope);
        await DisposedAsync(log, 3);
    }
}
