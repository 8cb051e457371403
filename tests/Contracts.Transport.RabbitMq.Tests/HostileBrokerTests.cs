using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>
/// Hand-made AMQP messages, as other producers, old versions and attackers write them, on the real broker: each lands
/// in the error queue once with a reason, the connection stays up, and the consumer goes on with good messages.
/// </summary>
public sealed class HostileBrokerTests
{
    private const string Queue = "RmqTests.Hostile";

    [Fact]
    public async Task Envelopes_that_cannot_be_decoded_are_dead_lettered_once_and_never_requeued()
    {
        await Broker.ResetAsync(Queue);
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Hostile>(e => e.Consume = true));
        try
        {
            ReadOnlyMemory<byte> payload = Payload(new Hostile(Guid.NewGuid()));
            var stamped = Guid.NewGuid();
            var hostile = new List<BasicProperties>
            {
                Properties(p => p.Headers!["contracts-sent-at"] = long.MaxValue),
                Properties(p => p.Headers!["contracts-deliver-by"] = "tomorrow"),
                Properties(p => p.Headers!["contracts-attempt"] = new Dictionary<string, object?> { ["nested"] = 1 }),
                Properties(p => p.MessageId = "not-a-guid"),
            };
            await using (IConnection connection = await Broker.ConnectAsync())
            await using (IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
            {
                foreach (BasicProperties properties in hostile)
                {
                    await channel.BasicPublishAsync("contracts", Queue, true, properties, payload);
                }

                // Unix milliseconds where AMQP means seconds (a timestamp far past year 9999): the transport does not
                // read the AMQP timestamp (contracts-sent-at says when), so this one is handled, once.
                long milliseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await channel.BasicPublishAsync("contracts", Queue, true, Properties(p => p.Timestamp = new AmqpTimestamp(milliseconds)), Payload(new Hostile(stamped)));
            }

            var good = Guid.NewGuid();
            await host.Bus().SendAsync(new Hostile(good), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"hostile:{good}"), TimeSpan.FromSeconds(15), () => "the good message after the hostile ones");
            Assert.Equal(1, probe.Hits.GetValueOrDefault($"hostile:{stamped}"));

            // Each hostile message is in the error queue exactly once: a requeue loop would have delivered it again and again.
            await Task.Delay(500, TestContext.Current.CancellationToken);
            Assert.Equal((uint)hostile.Count, await Broker.ReadyCountAsync(Queue + ".error"));
            for (int i = 0; i < hostile.Count; i++)
            {
                BasicGetResult letter = await Broker.GetAsync(Queue + ".error", TimeSpan.FromSeconds(5));
                Assert.Equal("Unreadable", Text(letter.BasicProperties.Headers!, "contracts-error-reason"));
                Assert.False(letter.Redelivered);
            }

            Assert.Equal(0u, await Broker.ReadyCountAsync(Queue));
            Assert.Equal(0, probe.LogsContaining("will be delivered again"));
            Assert.Equal(2, probe.Hits.Count);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_message_over_the_clients_default_body_limit_is_dead_lettered_without_losing_the_connection()
    {
        await Broker.ResetAsync(Queue);
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Hostile>(e => e.Consume = true));
        try
        {
            // 70 MiB: over RabbitMQ.Client's default of 64 MiB, under the broker's 128 MiB.
            byte[] huge = new byte[70 * 1024 * 1024];
            Payload(new Hostile(Guid.NewGuid())).CopyTo(huge);
            await using (IConnection connection = await Broker.ConnectAsync())
            await using (IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
            {
                await channel.BasicPublishAsync("contracts", Queue, true, Properties(_ => { }), huge);
            }

            var good = Guid.NewGuid();
            await host.Bus().SendAsync(new Hostile(good), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"hostile:{good}"), TimeSpan.FromSeconds(30), () => "the good message after the huge one");

            BasicGetResult letter = await Broker.GetAsync(Queue + ".error", TimeSpan.FromSeconds(30));
            Assert.Equal("Unreadable", Text(letter.BasicProperties.Headers!, "contracts-error-reason"));
            Assert.Contains("over the limit", Text(letter.BasicProperties.Headers!, "contracts-error-message"), StringComparison.Ordinal);
            Assert.Equal(huge.Length, letter.Body.Length); // kept whole: nothing lost
            Assert.Equal(0, probe.LogsContaining("connection lost"));
            Assert.Equal(0u, await Broker.ReadyCountAsync(Queue));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_dead_letter_of_a_message_whose_headers_nearly_fill_a_frame_still_fits_one()
    {
        const string doomed = "RmqTests.Doomed";
        await Broker.ResetAsync(doomed);
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Doomed>(e =>
        {
            e.Consume = true;
            e.Retry.ImmediateRetries = 0;
        }));
        try
        {
            // The broker's frame is 128 KB; this header leaves about 2 KB, less than the failure with its stack trace.
            string big = new('x', 131_072 - 2_048);
            var id = Guid.NewGuid();
            await host.Bus().SendAsync(new Doomed(id), new SendOptions { Headers = new Dictionary<string, string> { ["x-big"] = big } }, TestContext.Current.CancellationToken);

            BasicGetResult letter = await Broker.GetAsync(doomed + ".error", TimeSpan.FromSeconds(30));
            IDictionary<string, object?> headers = letter.BasicProperties.Headers!;
            Assert.Equal("Failed", Text(headers, "contracts-error-reason"));
            Assert.Equal(big, Text(headers, "x-big")); // the message's own header is kept whole
            Assert.StartsWith("(left out", Text(headers, "contracts-error-stack"), StringComparison.Ordinal);
            Assert.Contains($"Doomed {id} always fails", Text(headers, "contracts-error-message"), StringComparison.Ordinal);

            // The publishing connection lived through it: the next message goes out and is handled.
            var next = Guid.NewGuid();
            await host.Bus().SendAsync(new Doomed(next), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"doomed:{next}"), TimeSpan.FromSeconds(15), () => "the message after the big one");
            Assert.Equal(0, probe.LogsContaining("connection lost"));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_message_due_thousands_of_years_ahead_or_past_its_deliver_by_is_dead_lettered_not_parked_or_dropped_silently()
    {
        await Broker.ResetAsync(Queue);
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Hostile>(e => e.Consume = true), o => o.ExpiredMessages = ExpiredMessages.DeadLetter);
        try
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            await using (IConnection connection = await Broker.ConnectAsync())
            await using (IChannel channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
            {
                BasicProperties farAhead = Properties(p => p.Headers!["contracts-deliver-at"] = now.AddYears(5000).ToUnixTimeMilliseconds());
                await channel.BasicPublishAsync("contracts", Queue, true, farAhead, Payload(new Hostile(Guid.NewGuid())));
                BasicProperties expired = Properties(p => p.Headers!["contracts-deliver-by"] = now.AddMinutes(-5).ToUnixTimeMilliseconds());
                await channel.BasicPublishAsync("contracts", Queue, true, expired, Payload(new Hostile(Guid.NewGuid())));
            }

            var reasons = new List<string?>();
            for (int i = 0; i < 2; i++)
            {
                BasicGetResult letter = await Broker.GetAsync(Queue + ".error", TimeSpan.FromSeconds(15));
                reasons.Add(Text(letter.BasicProperties.Headers!, "contracts-error-reason"));
            }

            reasons.Sort(StringComparer.Ordinal);
            Assert.Equal(["DelayTooLong", "Expired"], reasons);
            Assert.Empty(probe.Hits);
            Assert.Equal(0u, await Broker.ReadyCountAsync(Queue));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    private static ReadOnlyMemory<byte> Payload(Hostile message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        DescriptorOf<Hostile>().Serialize(buffer, message);
        return buffer.WrittenMemory;
    }

    private static ContractDescriptor<T> DescriptorOf<T>()
        where T : class, IContract<T> => T.Contract;

    /// <summary>The properties the transport writes for a Hostile command, changed by <paramref name="spoil"/>.</summary>
    private static BasicProperties Properties(Action<BasicProperties> spoil)
    {
        BasicProperties properties = Broker.Properties(Queue);
        spoil(properties);
        return properties;
    }

    private static string? Text(IDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out object? value) ? value switch { byte[] bytes => Encoding.UTF8.GetString(bytes), _ => value?.ToString() } : null;
}
