using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Contracts.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>Spans on the real broker name it as the OpenTelemetry messaging conventions say: <c>messaging.system = rabbitmq</c>.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task The_send_and_process_spans_of_a_message_through_the_broker_say_rabbitmq()
    {
        await Broker.ResetAsync("RmqTests.Traced");
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ContractsTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Traced>(e => e.Consume = true));
        try
        {
            var id = Guid.NewGuid();
            await host.Bus().SendAsync(new Traced(id), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"traced:{id}"), TimeSpan.FromSeconds(10), () => "the message is handled");

            // Other tests of this assembly run at the same time and trace too: only this message's spans count.
            Activity send = stopped.Single(a => a.Kind == ActivityKind.Producer && (string?)a.GetTagItem("messaging.destination.name") == "RmqTests.Traced");
            string? messageId = send.GetTagItem("messaging.message.id") as string;
            Assert.Equal("rabbitmq", send.GetTagItem("messaging.system"));
            Assert.Equal("send", send.GetTagItem("messaging.operation.type"));

            await Probe.WaitForAsync(
                () => stopped.Any(a => a.Kind == ActivityKind.Consumer && (string?)a.GetTagItem("messaging.message.id") == messageId),
                TimeSpan.FromSeconds(10),
                () => "the process span has ended");
            Activity process = stopped.Single(a => a.Kind == ActivityKind.Consumer && (string?)a.GetTagItem("messaging.message.id") == messageId);
            Assert.Equal("rabbitmq", process.GetTagItem("messaging.system"));
            Assert.Equal("process", process.GetTagItem("messaging.operation.type"));
            Assert.Equal(send.TraceId, process.TraceId); // the trace crossed the broker in the message's headers
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }
}
