using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;

namespace Contracts.Runtime.Tests;

/// <summary>
/// The conditions of the inline fast path: what a query decides once (its route), what it checks every time
/// (listeners), and the per-thread frame that is kept across queries, given up by a query that cannot give it back.
/// </summary>
public sealed partial class InlineQueryTests
{
    [Query] public partial record Held(int N) : IQuery<string>;

    /// <summary>Reads its id, waits for the test's gate, and says whether its context still shows the same id.</summary>
    public sealed class HeldHandler(Recorder recorder) : IQueryHandler<Held, string>
    {
        public async ValueTask<string> HandleAsync(Held query, MessageContext context, CancellationToken cancellationToken)
        {
            Guid first = context.MessageId;
            recorder.Entered.TrySetResult();
            await recorder.Never.Task;
            return $"{query.N} {first} {context.MessageId}";
        }
    }

    [Fact]
    public async Task A_listener_added_after_the_first_query_traces_the_next_and_one_removed_stops_tracing()
    {
        string name = Descriptor.Of<WhereAmI>().Name;
        var stopped = new ConcurrentQueue<Activity>();
        await using TestBus host = await StartAsync(new Recorder());

        Assert.Equal(2, await host.Bus.QueryAsync(new WhereAmI(1))); // the plain path, its route decided now
        using (var listener = new ActivityListener
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
        })
        {
            ActivitySource.AddActivityListener(listener);
            Assert.Equal(4, await host.Bus.QueryAsync(new WhereAmI(2)));
        }

        Assert.Single(stopped, a => a.OperationName == "query");
        Assert.Single(stopped, a => a.OperationName == "process");
        Assert.Equal(6, await host.Bus.QueryAsync(new WhereAmI(3)));
        Assert.Equal(2, stopped.Count); // the listener is gone: the third query took the plain path again
    }

    [Fact]
    public async Task The_callers_activity_is_carried_into_a_plain_inline_query()
    {
        await using TestBus host = await StartAsync(new Recorder());
        Activity.Current = null; // whatever the test runner traces, this test's queries start outside any trace
        using var caller = new Activity("caller");
        caller.SetIdFormat(ActivityIdFormat.W3C);
        caller.TraceStateString = "k=v";

        string outside = await host.Bus.QueryAsync(new Traced(1));
        caller.Start();
        string inside = await host.Bus.QueryAsync(new Traced(2));
        caller.Stop();
        string after = await host.Bus.QueryAsync(new Traced(3));

        Assert.Equal("1  ", outside);
        Assert.Equal($"2 {caller.Id} k=v", inside);
        Assert.Equal("3  ", after); // the recycled envelope does not keep the caller's trace
    }

    [Query] public partial record Traced(int N) : IQuery<string>;

    public sealed class TracedHandler : IQueryHandler<Traced, string>
    {
        public ValueTask<string> HandleAsync(Traced query, MessageContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult($"{query.N} {context.Envelope.TraceParent} {context.Envelope.TraceState}");
    }

    [Fact]
    public async Task A_suspended_handler_keeps_its_own_context_while_later_queries_run_on_the_same_thread()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);

        ValueTask<string> held = host.Bus.QueryAsync(new Held(1));
        await Wait.For(recorder.Entered.Task);

        // Queries on this thread meanwhile: had the held query's frame been kept for them, its envelope would be theirs.
        string[] first = Parts(await host.Bus.QueryAsync(new Echo(1)));
        string[] second = Parts(await host.Bus.QueryAsync(new Echo(2)));
        recorder.Never.TrySetResult();
        string[] answer = Parts(await Wait.For(held.AsTask()));

        Assert.Equal("1", answer[0]);
        Assert.Equal(answer[1], answer[2]);
        Assert.NotEqual(first[1], second[1]);
        Assert.DoesNotContain(answer[1], new[] { first[1], second[1] });
    }

    [Fact]
    public async Task Queries_refused_before_their_handler_runs_leave_the_next_ones_working()
    {
        var recorder = new Recorder();
        await using TestBus host = await StartAsync(recorder);

        for (int i = 0; i < 3; i++)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await host.Bus.QueryAsync(new WhereAmI(1), cancellationToken: new CancellationToken(canceled: true)));
            await Assert.ThrowsAsync<LookupFailedException>(async () => await host.Bus.QueryAsync(new Faulty(0)));
            using var cancel = new CancellationTokenSource();
            Assert.Equal(2 * i, await host.Bus.QueryAsync(new WhereAmI(i), cancellationToken: cancel.Token));
        }

        // Nested queries (the outer's frame is in use while the inner runs) answer with their own ids, time after time.
        string one = await host.Bus.QueryAsync(new Outer(1));
        string two = await host.Bus.QueryAsync(new Outer(1));
        string[] a = one.Split(' '), b = two.Split(' ');
        Assert.Equal($"outer 1 {a[2]} / inner 2 caused by {a[2]} in {a[2]}", one);
        Assert.Equal($"outer 1 {b[2]} / inner 2 caused by {b[2]} in {b[2]}", two);
        Assert.NotEqual(a[2], b[2]);
    }
}
