using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

public sealed partial class TelemetryTests
{
    [Command] public partial record Traced(int N);
    [Command] public partial record Counted(int N);

    [Idempotent]
    public sealed class TracedHandler : ICommandHandler<Traced>
    {
        public ValueTask HandleAsync(Traced command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Idempotent]
    public sealed class CountedHandler : ICommandHandler<Counted>
    {
        public ValueTask HandleAsync(Counted command, MessageContext context, CancellationToken cancellationToken) =>
            command.N == 2 ? throw new InvalidOperationException("two fails") : ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_process_activity_is_a_child_of_the_send_activity()
    {
        string name = Descriptor.Of<Traced>().Name;
        var stopped = new ConcurrentQueue<Activity>();
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ContractsTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.DisplayName.EndsWith(name, StringComparison.Ordinal))
                {
                    stopped.Enqueue(activity);
                    if (activity.OperationName == "process")
                    {
                        handled.TrySetResult();
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using TestBus host = await TestBus.StartAsync();

        await host.Bus.SendAsync(new Traced(1));
        await Wait.For(handled.Task);

        Activity send = Assert.Single(stopped, a => a.OperationName == "send");
        Activity handle = Assert.Single(stopped, a => a.OperationName == "process");
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(ActivityKind.Consumer, handle.Kind);
        Assert.Equal(send.TraceId, handle.TraceId);
        Assert.Equal(send.SpanId, handle.ParentSpanId);
        Assert.Equal(name, send.GetTagItem("messaging.destination.name"));
        Assert.Equal(typeof(TracedHandler).FullName, handle.GetTagItem("contracts.handler"));
        Assert.Equal(send.GetTagItem("messaging.message.id"), handle.GetTagItem("messaging.message.id"));
    }

    [Fact]
    public async Task Sent_handled_and_failed_counters_move()
    {
        using var counters = new CounterRecorder();
        ContractDescriptor contract = Descriptor.Of<Counted>();
        await using TestBus host = await TestBus.StartAsync();

        foreach (int n in Enumerable.Range(1, 3))
        {
            await host.Bus.SendAsync(new Counted(n));
        }

        await Wait.For(host.StopAsync()); // the drain waits for every delivery, counters included

        Assert.Equal(3, counters.Get("messaging.client.sent.messages", contract));
        Assert.Equal(2, counters.Get("contracts.messages.handled", contract));
        Assert.Equal(1, counters.Get("contracts.messages.failed", contract));
        Assert.Equal(0, counters.Get("contracts.messages.dropped", contract));
    }
}
