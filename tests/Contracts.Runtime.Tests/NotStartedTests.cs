using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Runtime.Tests;

/// <summary>A bus whose host was never started says so at once, instead of taking sends silently and letting queries time out.</summary>
public sealed partial class NotStartedTests
{
    [Command] public partial record Unstarted([property: IdempotencyKey] int N);
    [Event] public partial record UnstartedHappened([property: IdempotencyKey] int N);
    [Event] public partial record NobodyListens([property: IdempotencyKey] int N);
    [Query] public partial record UnstartedQuestion(int N) : IQuery<int>;
    [Command] public partial record SentAtStart([property: IdempotencyKey] int N);

    public sealed class UnstartedHandler(Lane lane) : ICommandHandler<Unstarted>, IEventHandler<UnstartedHappened>, IQueryHandler<UnstartedQuestion, int>, ICommandHandler<SentAtStart>
    {
        public ValueTask HandleAsync(Unstarted command, MessageContext context, CancellationToken cancellationToken) => lane.HandleAsync(command.N, cancellationToken);

        public ValueTask HandleAsync(UnstartedHappened @event, MessageContext context, CancellationToken cancellationToken) => lane.HandleAsync(@event.N, cancellationToken);

        public ValueTask<int> HandleAsync(UnstartedQuestion query, MessageContext context, CancellationToken cancellationToken) => ValueTask.FromResult(query.N * 2);

        public ValueTask HandleAsync(SentAtStart command, MessageContext context, CancellationToken cancellationToken) => lane.HandleAsync(command.N, cancellationToken);
    }

    /// <summary>Sends in its StartAsync, as an application's own hosted service does.</summary>
    public sealed class SendsOnStart(IMessageBus bus) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => bus.SendAsync(new SentAtStart(7), cancellationToken: cancellationToken).AsTask();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static ServiceProvider NeverStarted(Lane lane)
    {
        var services = new ServiceCollection();
        services.AddSingleton(lane);
        services.AddContracts();
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_send_before_the_host_starts_throws_naming_the_fix()
    {
        var lane = new Lane();
        await using ServiceProvider provider = NeverStarted(lane);
        IMessageBus bus = provider.GetRequiredService<IMessageBus>();

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await bus.SendAsync(new Unstarted(1)));

        Assert.Contains("The bus is not started", ex.Message);
        Assert.Contains("StartAsync", ex.Message);
        Assert.Contains(Descriptor.Of<Unstarted>().Name, ex.Message);
    }

    [Fact]
    public async Task A_publish_before_the_host_starts_throws_with_subscribers_or_without()
    {
        var lane = new Lane();
        await using ServiceProvider provider = NeverStarted(lane);
        IMessageBus bus = provider.GetRequiredService<IMessageBus>();

        InvalidOperationException subscribed = await Assert.ThrowsAsync<InvalidOperationException>(async () => await bus.PublishAsync(new UnstartedHappened(1)));
        InvalidOperationException unsubscribed = await Assert.ThrowsAsync<InvalidOperationException>(async () => await bus.PublishAsync(new NobodyListens(1)));

        Assert.Contains("The bus is not started", subscribed.Message);
        Assert.Contains("The bus is not started", unsubscribed.Message);
        Assert.Contains(Descriptor.Of<NobodyListens>().Name, unsubscribed.Message);
    }

    [Fact]
    public async Task A_query_before_the_host_starts_fails_at_once_instead_of_waiting_for_its_timeout()
    {
        var lane = new Lane();
        await using ServiceProvider provider = NeverStarted(lane);
        IMessageBus bus = provider.GetRequiredService<IMessageBus>();
        var watch = Stopwatch.StartNew();

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(
            async () => await bus.QueryAsync(new UnstartedQuestion(1), new QueryOptions { Timeout = TimeSpan.FromSeconds(30) }));

        Assert.Contains("The bus is not started", ex.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"the query took {watch.Elapsed} to fail");
    }

    [Fact]
    public async Task After_the_host_starts_the_same_bus_sends_and_queries()
    {
        var lane = new Lane();
        await using ServiceProvider provider = NeverStarted(lane);
        IMessageBus bus = provider.GetRequiredService<IMessageBus>();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await bus.SendAsync(new Unstarted(1)));

        foreach (IHostedService hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        await bus.SendAsync(new Unstarted(2));
        await Wait.For(lane.Done);
        Assert.Equal(4, await bus.QueryAsync(new UnstartedQuestion(2)));
        Assert.Equal([2], lane.Handled);
    }

    [Fact]
    public async Task A_hosted_service_registered_after_AddContracts_may_send_as_it_starts()
    {
        var lane = new Lane();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(lane);
        builder.Services.AddContracts();
        builder.Services.AddHostedService<SendsOnStart>();
        using IHost host = builder.Build();

        await host.StartAsync();
        await Wait.For(lane.Done);
        await host.StopAsync();

        Assert.Equal([7], lane.Handled);
    }

    [Fact]
    public async Task A_query_after_stop_throws_the_stopped_exception()
    {
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(new Lane()));
        await host.StopAsync();

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await host.Bus.QueryAsync(new UnstartedQuestion(1)));

        Assert.Contains("The bus has stopped", ex.Message);
    }
}
