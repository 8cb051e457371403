using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

public sealed partial class QueryTests
{
    public sealed record Sum(int Value, string Explained);

    [Query]
    public partial record AddNumbers(int A, int B) : IQuery<Sum>;

    [Query]
    public partial record SlowLookup(int Id) : IQuery<string>;

    [Query]
    public partial record BrokenLookup(int Id) : IQuery<string>;

    [Query]
    public partial record UpstreamLookup(int Id) : IQuery<string>;

    public sealed class UpstreamLookupHandler : IQueryHandler<UpstreamLookup, string>
    {
        public ValueTask<string> HandleAsync(UpstreamLookup query, MessageContext context, CancellationToken cancellationToken) =>
            throw new TimeoutException($"upstream did not answer for {query.Id}");
    }

    public sealed class Probe
    {
        public readonly Gate Gate = new();
        public readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource HandlerCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class AddNumbersHandler : IQueryHandler<AddNumbers, Sum>
    {
        public async ValueTask<Sum> HandleAsync(AddNumbers query, MessageContext context, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return new Sum(query.A + query.B, $"{query.A}+{query.B}");
        }
    }

    public sealed class SlowLookupHandler(Probe probe) : IQueryHandler<SlowLookup, string>
    {
        public async ValueTask<string> HandleAsync(SlowLookup query, MessageContext context, CancellationToken cancellationToken)
        {
            probe.Entered.TrySetResult();
            try
            {
                await probe.Gate.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                probe.HandlerCancelled.TrySetResult();
                throw;
            }

            return $"found {query.Id}";
        }
    }

    public sealed class BrokenLookupHandler : IQueryHandler<BrokenLookup, string>
    {
        public ValueTask<string> HandleAsync(BrokenLookup query, MessageContext context, CancellationToken cancellationToken) =>
            throw new ArgumentOutOfRangeException(nameof(query), $"no record {query.Id}");
    }

    [Fact]
    public async Task A_query_returns_its_handlers_typed_result()
    {
        await using TestBus host = await TestBus.StartAsync();

        Sum sum = await Wait.For(host.Bus.QueryAsync(new AddNumbers(2, 40)).AsTask());
        Sum[] many = await Wait.For(Task.WhenAll(
            host.Bus.QueryAsync(new AddNumbers(1, 1)).AsTask(),
            host.Bus.QueryAsync(new AddNumbers(-5, 3)).AsTask()));

        Assert.Equal(new Sum(42, "2+40"), sum);
        Assert.Equal([new Sum(2, "1+1"), new Sum(-2, "-5+3")], many);
    }

    [Fact]
    public async Task A_query_without_reply_in_time_throws_TimeoutException_naming_the_query_and_the_handler_is_cancelled()
    {
        var probe = new Probe();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(probe));

        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(async () =>
            await host.Bus.QueryAsync(new SlowLookup(7), new QueryOptions { Timeout = TimeSpan.FromMilliseconds(200) }));

        Assert.Contains($"'{Descriptor.Of<SlowLookup>().Name}'", ex.Message);
        Assert.Contains("200", ex.Message);
        Assert.True(probe.Entered.Task.IsCompleted);

        // The caller gave up, so the handler's work is pointless: its token says so.
        await Wait.For(probe.HandlerCancelled.Task);
    }

    [Fact]
    public async Task The_default_query_timeout_comes_from_the_options()
    {
        var probe = new Probe();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(probe), o => o.QueryTimeout = TimeSpan.FromMilliseconds(150));

        await Assert.ThrowsAsync<TimeoutException>(async () => await host.Bus.QueryAsync(new SlowLookup(1)));
    }

    [Fact]
    public async Task A_query_handlers_exception_reaches_the_caller()
    {
        await using TestBus host = await TestBus.StartAsync();

        ArgumentOutOfRangeException ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await Wait.For(host.Bus.QueryAsync(new BrokenLookup(13)).AsTask()));

        Assert.Contains("no record 13", ex.Message);
    }

    [Fact]
    public async Task A_handlers_own_TimeoutException_reaches_the_caller_unchanged()
    {
        await using TestBus host = await TestBus.StartAsync();

        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(async () =>
            await Wait.For(host.Bus.QueryAsync(new UpstreamLookup(4)).AsTask()));

        Assert.Equal("upstream did not answer for 4", ex.Message);
    }

    [Fact]
    public async Task The_caller_cancels_a_query_and_the_handler_sees_it()
    {
        var probe = new Probe();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(probe));
        using var cts = new CancellationTokenSource();

        Task<string> query = host.Bus.QueryAsync(new SlowLookup(3), cancellationToken: cts.Token).AsTask();
        await Wait.For(probe.Entered.Task);
        Assert.False(query.IsCompleted);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Wait.For(query));
        await Wait.For(probe.HandlerCancelled.Task);
    }

    [Fact]
    public async Task A_query_answered_after_a_wait_returns_the_result()
    {
        var probe = new Probe();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(probe));

        Task<string> query = host.Bus.QueryAsync(new SlowLookup(5)).AsTask();
        await Wait.For(probe.Entered.Task);
        probe.Gate.Open();

        Assert.Equal("found 5", await Wait.For(query));
        Assert.False(probe.HandlerCancelled.Task.IsCompleted);
    }
}
