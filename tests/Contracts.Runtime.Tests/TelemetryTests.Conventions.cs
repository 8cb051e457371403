using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Contracts.Runtime.Tests;

/// <summary>What an OpenTelemetry SDK records from a bus: the messaging semantic conventions' spans, attributes and metrics.</summary>
public sealed partial class TelemetryTests
{
    [Command] public partial record Conventional(int N);

    /// <summary>Fails N = 2 on every attempt, so it ends in dead letters after its retries.</summary>
    [Idempotent]
    public sealed class ConventionalHandler : ICommandHandler<Conventional>
    {
        public ValueTask HandleAsync(Conventional command, MessageContext context, CancellationToken cancellationToken) =>
            command.N == 2 ? throw new TimeoutException("two times out") : ValueTask.CompletedTask;
    }

    [Fact]
    public async Task An_OpenTelemetry_SDK_sees_the_messaging_conventions_spans_attributes_and_metrics()
    {
        string name = Descriptor.Of<Conventional>().Name;
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        using (TracerProvider tracing = Sdk.CreateTracerProviderBuilder().AddSource(ContractsTelemetry.Name).AddInMemoryExporter(spans).Build())
        using (MeterProvider metering = Sdk.CreateMeterProviderBuilder().AddMeter(ContractsTelemetry.Name).AddInMemoryExporter(metrics).Build())
        {
            await using (TestBus host = await TestBus.StartAsync(configure: o => o.UseInMemoryTransport(t =>
            {
                t.SerializeMessages = true; // the wire path: the span carries the body size
                t.Endpoint<Conventional>(e =>
                {
                    e.Retry.ImmediateRetries = 1;
                    e.Retry.DelayedRetries = 0;
                });
            })))
            {
                await host.Bus.SendAsync(new Conventional(1));
                await host.Bus.SendAsync(new Conventional(2));
                await Wait.For(host.StopAsync()); // the drain waits for both deliveries
            }

            tracing.ForceFlush();
            metering.ForceFlush();
        }

        List<Activity> ours = [.. spans.Where(s => s.DisplayName.EndsWith(name, StringComparison.Ordinal))];
        Activity[] sends = [.. ours.Where(s => s.DisplayName == $"send {name}")];
        Activity[] processes = [.. ours.Where(s => s.DisplayName == $"process {name}")];
        Assert.Equal(2, sends.Length);
        Assert.Equal(2, processes.Length);
        foreach (Activity send in sends)
        {
            Assert.Equal(ActivityKind.Producer, send.Kind);
            Assert.Equal("contracts", send.GetTagItem("messaging.system"));
            Assert.Equal("send", send.GetTagItem("messaging.operation.name"));
            Assert.Equal("send", send.GetTagItem("messaging.operation.type"));
            Assert.Equal(name, send.GetTagItem("messaging.destination.name"));
            Assert.True(Guid.TryParse(send.GetTagItem("messaging.message.id") as string, out _));
            Assert.True(send.GetTagItem("messaging.message.body.size") is int size && size > 0);
        }

        foreach (Activity process in processes)
        {
            Assert.Equal(ActivityKind.Consumer, process.Kind);
            Assert.Equal("process", process.GetTagItem("messaging.operation.type"));
            Assert.Equal(name, process.GetTagItem("messaging.destination.name"));
            Assert.Equal(name, process.GetTagItem("messaging.destination.subscription.name"));
            Activity parent = Assert.Single(sends, s => s.SpanId == process.ParentSpanId);
            Assert.Equal(parent.GetTagItem("messaging.message.id"), process.GetTagItem("messaging.message.id"));
        }

        Activity ok = Assert.Single(processes, p => p.Status != ActivityStatusCode.Error);
        Activity failed = Assert.Single(processes, p => p.Status == ActivityStatusCode.Error);
        Assert.Null(ok.GetTagItem("error.type"));
        Assert.Empty(ok.Events);
        Assert.Equal(typeof(TimeoutException).FullName, failed.GetTagItem("error.type"));
        ActivityEvent[] exceptions = [.. failed.Events.Where(e => e.Name == "exception")];
        Assert.Equal(2, exceptions.Length); // one per attempt: the first and its immediate retry
        Assert.All(exceptions, e => Assert.Equal(typeof(TimeoutException).FullName, e.Tags.First(t => t.Key == "exception.type").Value));

        Assert.Equal(2, Sum(metrics, "messaging.client.sent.messages", name));
        Assert.Equal(2, Sum(metrics, "messaging.client.consumed.messages", name));
        MetricSnapshot duration = metrics.Last(m => m.Name == "messaging.process.duration");
        Assert.Equal("s", duration.Unit);
        Assert.Equal(MetricType.Histogram, duration.MetricType);
        List<MetricPoint> points = [.. duration.MetricPoints.Where(p => Tag(p, "messaging.destination.name") == name)];

        Assert.Equal(2, points.Sum(p => p.GetHistogramCount()));
        Assert.All(points, p => Assert.Equal("contracts", Tag(p, "messaging.system")));
        Assert.Equal(typeof(TimeoutException).FullName, Tag(Assert.Single(points, p => Tag(p, "error.type") is not null), "error.type"));
        Assert.All(points, p => Assert.True(p.GetHistogramSum() < 10, "recorded in seconds, not milliseconds"));
    }

    private static long Sum(List<MetricSnapshot> metrics, string instrument, string destination)
    {
        long sum = 0;
        foreach (MetricPoint point in metrics.Last(m => m.Name == instrument).MetricPoints)
        {
            if (Tag(point, "messaging.destination.name") == destination)
            {
                Assert.Equal("contracts", Tag(point, "messaging.system"));
                sum += point.GetSumLong();
            }
        }

        return sum;
    }

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
