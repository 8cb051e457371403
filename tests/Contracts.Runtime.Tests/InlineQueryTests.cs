using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Contracts.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

/// <summary>Queries whose handler is in this process run inline, on the caller's thread.</summary>
public sealed partial class InlineQueryTests
{
    [Query] public partial record WhereAmI(int N) : IQuery<int>;
    [Query] public partial record Hang(int N) : IQuery<int>;
    [Query] public partial record Faulty(int N) : IQuery<int>;
    [Query] public partial record Scoped(int N) : IQuery<int>;
    [Query] public partial record Outer(int N) : IQuery<string>;
    [Query] public partial record Inner(int N) : IQuery<string>;
    [Query] public partial record Echo(int N) : IQuery<string>;
    [Query] public partial record Stamp(int N) : IQuery<Stamped>;

    public sealed record Stamped(Guid First, Guid Again, Guid Correlation, DateTimeOffset SentAt, Guid AfterAwait);

    public sealed class StampHandler : IQueryHandler<Stamp, Stamped>
    {
        public async ValueTask<Stamped> HandleAsync(Stamp query, MessageContext context, CancellationToken cancellationToken)
        {
            Guid first = context.MessageId;
            Guid again = context.MessageId;
            Guid correlation = context.CorrelationId;
            DateTimeOffset sentAt = context.SentAt;
            await Task.Yield();
            return new Stamped(first, again, correlation, sentAt, context.MessageId);
        }
    }

    public sealed class EchoHandler(ScopedResource resource, Recorder recorder) : IQueryHandler<Echo, string>
    {
        public ValueTask<string> HandleAsync(Echo query, MessageContext context, CancellationToken cancellationToken)
        {
            string headers = string.Join(",", context.Headers.Keys);
            return ValueTask.FromResult($"{query.N} {context.MessageId} {context.CorrelationId} [{headers}] {recorder.Disposed} {resource.GetHashCode()}");
        }
    }

    public sealed class LookupFailedException(string message) : Exception(message);

    public sealed class Recorder
    {
        public readonly ConcurrentQueue<string> Seen = new();
        public readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Never = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly SemaphoreSlim Entries = new(0);
        public int Thread;
        public bool Disposed;
    }

    public sealed class WhereAmIHandler(Recorder recorder) : IQueryHandler<WhereAmI, int>
    {
        public ValueTask<int> HandleAsync(WhereAmI query, MessageContext context, CancellationToken cancellationToken)
        {
            recorder.Thread = Environment.CurrentManagedThreadId;
            return ValueTask.FromResult(query.N * 2);
        }
    }

    /// <summary>Hangs: on a task it never completes (ignoring its token) when N is odd, on its token when even.</summary>
    public sealed class HangHandler(Recorder recorder) : IQueryHandler<Hang, int>
    {
        public async ValueTask<int> HandleAsync(Hang query, MessageContext context, CancellationToken cancellationToken)
        {
            cancellationToken.Register(() => recorder.Cancelled.TrySetResult());
            recorder.Entered.TrySetResult();
            recorder.Entries.Release();
            if (query.N % 2 == 1)
            {
                await recorder.Never.Task;
            }
            else
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return query.N;
        }
    }

    /// <summary>Throws at once when N is 0, after suspending otherwise.</summary>
    public sealed class FaultyHandler : IQueryHandler<Faulty, int>
    {
        public async ValueTask<int> HandleAsync(Faulty query, MessageContext context, CancellationToken cancellationToken)
        {
            if (query.N > 0)
            {
                await Task.Yield();
            }

            throw new LookupFailedException($"no row {query.N}");
        }
    }

    public sealed class ScopedResource(Recorder recorder) : IDisposable
    {
        public void Dispose() => recorder.Disposed = true;
    }

    private static string[] Parts(string echo) => echo.Split(' ');

    public sealed class ScopedHandler(ScopedResource resource, Recorder recorder) : IQueryHandler<Scoped, int>
    {
        public ValueTask<int> HandleAsync(Scoped query, MessageContext context, CancellationToken cancellationToken)
        {
            GC.KeepAlive(resource);
            return ValueTask.FromResult(recorder.Disposed ? -1 : query.N);
        }
    }

    public sealed class OuterHandler : IQueryHandler<Outer, string>
    {
        public async ValueTask<string> HandleAsync(Outer query, MessageContext context, CancellationToken cancellationToken)
        {
            string inner = await context.QueryAsync(new Inner(query.N + 1), cancellationToken);
            return $"outer {query.N} {context.MessageId} / {inner}";
        }
    }

    public sealed class InnerHandler : IQueryHandler<Inner, string>
    {
        public ValueTask<string> HandleAsync(Inner query, MessageContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult($"inner {query.N} caused by {context.CausationId} in {context.CorrelationId}");
    }

    public sealed class RecordingMiddleware(Recorder recorder) : IConsumeMiddleware
    {
        public async ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next)
        {
            recorder.Seen.Enqueue($"before {context.Envelope.Contract.Name} on {Environment.CurrentManagedThreadId}");
            await next(context);
            recorder.Seen.Enqueue("after");
        }
    }

    private static Task<TestBus> StartAsync(Recorder recorder, Action<IServiceCollection>? more = null, Action<ContractsOptions>? configure = null) =>
        TestBus.StartAsync(
            s =>
            {
                s.AddSingleton(recorder);
                s.AddScoped<ScopedResource>();
                more?.Invoke(s);
            },
            configure);

    [Fact]
    public async Task A_query_runs_on_the_callers_thread_and_completes_before_QueryAsync_returns()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);

        int caller = Environment.CurrentManagedThreadId;
        ValueTask<int> query = host.Bus.QueryAsync(new WhereAmI(21));

        Assert.True(query.IsCompletedSuccessfully);
        Assert.Equal(42, await query);
        Assert.Equal(caller, recorder.Thread);
    }

    [Fact]
    public async Task With_InlineQueries_off_a_query_waits_in_the_endpoints_queue_for_its_worker()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder, configure: o => o.UseInMemoryTransport(t => t.Endpoint<Hang>(e => e.InlineQueries = false)));

        Task<int> first = host.Bus.QueryAsync(new Hang(1)).AsTask();
        await Wait.For(recorder.Entries);

        // One worker (MaxConcurrency 1), busy with the first: the second waits its turn.
        Task<int> second = host.Bus.QueryAsync(new Hang(3)).AsTask();
        Assert.False(await recorder.Entries.WaitAsync(150));
        recorder.Never.TrySetResult();

        Assert.Equal(1, await Wait.For(first));
        Assert.Equal(3, await Wait.For(second));
        await Wait.For(recorder.Entries);
    }

    [Theory]
    [InlineData(1)] // ignores its token
    [InlineData(2)] // honours it
    public async Task A_hanging_handler_times_out_at_the_deadline_and_its_token_is_cancelled(int n)
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);

        var clock = Stopwatch.StartNew();
        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(async () =>
            await Wait.For(host.Bus.QueryAsync(new Hang(n), new QueryOptions { Timeout = TimeSpan.FromMilliseconds(200) }).AsTask()));

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(150), TestBus.Timeout / 2);
        Assert.Contains($"'{Descriptor.Of<Hang>().Name}'", ex.Message);
        Assert.Contains(typeof(HangHandler).FullName!, ex.Message);
        await Wait.For(recorder.Cancelled.Task);
        recorder.Never.TrySetResult();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_caller_cancels_and_the_handler_sees_it_even_when_it_ignores_its_token(int n)
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);
        using var cts = new CancellationTokenSource();

        Task<int> query = host.Bus.QueryAsync(new Hang(n), cancellationToken: cts.Token).AsTask();
        await Wait.For(recorder.Entered.Task);
        Assert.True(await Wait.StillPending(query, 50));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Wait.For(query));
        await Wait.For(recorder.Cancelled.Task);
        recorder.Never.TrySetResult();
    }

    [Fact]
    public async Task A_query_with_a_cancelled_token_does_not_run_its_handler()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await host.Bus.QueryAsync(new WhereAmI(1), cancellationToken: new CancellationToken(canceled: true)));

        Assert.Equal(0, recorder.Thread);
    }

    [Theory]
    [InlineData(0)] // thrown before the handler suspends
    [InlineData(1)] // thrown after
    public async Task A_handlers_exception_reaches_the_caller_with_its_own_type(int n)
    {
        await using TestBus host = await StartAsync(new Recorder());

        LookupFailedException ex = await Assert.ThrowsAsync<LookupFailedException>(async () => await Wait.For(host.Bus.QueryAsync(new Faulty(n)).AsTask()));

        Assert.Equal($"no row {n}", ex.Message);
    }

    [Fact]
    public async Task Middleware_runs_around_an_inline_query_on_the_callers_thread()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder, s => s.AddSingleton<IConsumeMiddleware, RecordingMiddleware>());

        int caller = Environment.CurrentManagedThreadId;
        int result = await host.Bus.QueryAsync(new WhereAmI(4));

        Assert.Equal(8, result);
        Assert.Equal([$"before {Descriptor.Of<WhereAmI>().Name} on {caller}", "after"], recorder.Seen);
        Assert.Equal(caller, recorder.Thread);
    }

    [Fact]
    public async Task The_handlers_scoped_services_are_disposed_when_the_query_returns()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);

        int result = await host.Bus.QueryAsync(new Scoped(9));

        Assert.Equal(9, result);
        Assert.True(recorder.Disposed);
    }

    [Fact]
    public async Task An_inline_query_is_traced_and_counted_when_someone_listens()
    {
        string name = Descriptor.Of<WhereAmI>().Name;
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ContractsTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.DisplayName.EndsWith(name, StringComparison.Ordinal))
                {
                    stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var counters = new CounterRecorder();
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);

        Assert.Equal(6, await host.Bus.QueryAsync(new WhereAmI(3)));

        Activity query = Assert.Single(stopped, a => a.OperationName == "query");
        Activity process = Assert.Single(stopped, a => a.OperationName == "process");
        Assert.Equal(query.SpanId, process.ParentSpanId);
        Assert.Equal(1, counters.Get("contracts.messages.handled", Descriptor.Of<WhereAmI>()));
        Assert.Equal(Environment.CurrentManagedThreadId, recorder.Thread);
    }

    [Fact]
    public async Task An_inline_query_after_stop_throws_the_stopped_exception()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);
        await host.StopAsync();

        InvalidOperationException ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await host.Bus.QueryAsync(new WhereAmI(1)));

        Assert.Contains("The bus has stopped", ex.Message);
        Assert.Equal(0, recorder.Thread);
    }

    [Fact]
    public async Task A_handler_queries_another_inline_and_the_conversation_carries_over()
    {
        await using TestBus host = await StartAsync(new Recorder());
        var correlation = Guid.NewGuid();

        string answer = await host.Bus.QueryAsync(new Outer(1), new QueryOptions { CorrelationId = correlation });

        // "outer 1 {outer id} / inner 2 caused by {outer id} in {correlation}"
        string[] parts = answer.Split(' ');
        Assert.Equal("outer", parts[0]);
        Assert.Equal($"outer 1 {parts[2]} / inner 2 caused by {parts[2]} in {correlation}", answer);
    }

    [Fact]
    public async Task Inline_queries_are_not_held_to_the_endpoints_MaxConcurrency()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder, configure: o => o.UseInMemoryTransport(t => t.Endpoint<Hang>(e => e.MaxConcurrency = 1)));

        Task<int> first = host.Bus.QueryAsync(new Hang(1)).AsTask();
        await Wait.For(recorder.Entered.Task);

        // The first still runs; a second is not queued behind it: its handler starts too.
        Task<int> second = host.Bus.QueryAsync(new Hang(3)).AsTask();
        await Wait.For(recorder.Entries, 2);
        Assert.False(first.IsCompleted);
        recorder.Never.TrySetResult();

        Assert.Equal(1, await Wait.For(first));
        Assert.Equal(3, await Wait.For(second));
    }

    [Fact]
    public async Task Back_to_back_inline_queries_on_one_thread_each_see_their_own_envelope_and_scope()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);
        var correlation = Guid.NewGuid();

        string first = await host.Bus.QueryAsync(new Echo(1), new QueryOptions { CorrelationId = correlation, Headers = new System.Collections.Generic.Dictionary<string, string> { ["tenant"] = "a" } });
        recorder.Disposed = false;
        string second = await host.Bus.QueryAsync(new Echo(2));

        string[] one = Parts(first), two = Parts(second);
        Assert.Equal(["1", one[1], correlation.ToString(), "[tenant]", "False"], one[..5]);
        Assert.Equal(["2", two[1], two[1], "[]", "False"], two[..5]); // a new conversation: its own id
        Assert.NotEqual(one[1], two[1]);
        Assert.NotEqual(one[5], two[5]); // a fresh scope, a fresh scoped service
        Assert.True(recorder.Disposed);
    }

    [Fact]
    public async Task Inline_queries_to_two_buses_on_one_thread_each_use_their_own_services()
    {
        var first = new Recorder();
        var second = new Recorder();
        await using TestBus one = await StartAsync(first);
        await using TestBus two = await StartAsync(second);

        Assert.Equal(2, await one.Bus.QueryAsync(new WhereAmI(1)));
        Assert.Equal(4, await two.Bus.QueryAsync(new WhereAmI(2)));
        await one.StopAsync();
        Assert.Equal(6, await two.Bus.QueryAsync(new WhereAmI(3)));

        Assert.NotEqual(0, first.Thread);
        Assert.NotEqual(0, second.Thread);
    }

    [Fact]
    public async Task An_inline_querys_id_and_send_time_are_drawn_once_and_stay_put()
    {
        await using TestBus host = await StartAsync(new Recorder());

        DateTimeOffset before = DateTimeOffset.UtcNow;
        Stamped stamp = await Wait.For(host.Bus.QueryAsync(new Stamp(1)).AsTask());
        DateTimeOffset after = DateTimeOffset.UtcNow;

        Assert.NotEqual(Guid.Empty, stamp.First);
        Assert.Equal(7, stamp.First.Version);
        Assert.Equal(stamp.First, stamp.Again);
        Assert.Equal(stamp.First, stamp.AfterAwait);
        Assert.Equal(stamp.First, stamp.Correlation);
        Assert.InRange(stamp.SentAt, before.AddMilliseconds(-1), after.AddMilliseconds(1));
    }
}
