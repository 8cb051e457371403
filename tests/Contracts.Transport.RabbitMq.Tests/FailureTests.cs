using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>Retries, delays and dead letters on the real broker.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task A_message_that_fails_every_attempt_lands_in_the_error_queue_with_the_failure()
    {
        await Broker.ResetAsync("RmqTests.Poison");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Poison>(e =>
        {
            e.Consume = true;
            e.Retry.ImmediateRetries = 2;
        }));
        try
        {
            var id = Guid.NewGuid();
            await host.Bus().SendAsync(new Poison(id), cancellationToken: TestContext.Current.CancellationToken);

            // IDeadLetters sees the error queue: the letter with its failure, without taking it off the queue.
            IDeadLetters deadLetters = host.Services.GetRequiredService<IDeadLetters>();
            IReadOnlyList<Storage.DeadLetter> listed = [];
            await Probe.WaitForAsync(
                () => (listed = deadLetters.ListAsync().AsTask().GetAwaiter().GetResult()).Count == 1, TimeSpan.FromSeconds(15), () => "the dead letter in IDeadLetters");
            Storage.DeadLetter seen = listed[0];
            Assert.Equal(Storage.DeadLetterReason.Failed, seen.Reason);
            Assert.Equal(3, seen.Attempts);
            Assert.Equal("RmqTests.Poison", seen.Message.Endpoint);
            Assert.Equal(typeof(InvalidOperationException).FullName, seen.ExceptionType);
            Assert.Equal(seen.Id, (await deadLetters.GetAsync(seen.Id, TestContext.Current.CancellationToken))?.Id);

            BasicGetResult letter = await Broker.GetAsync("RmqTests.Poison.error", TimeSpan.FromSeconds(15));
            Assert.Equal(3, probe.Hits[$"poison:{id}"]);
            IDictionary<string, object?> headers = letter.BasicProperties.Headers!;
            Assert.Equal("Failed", Text(headers, "contracts-error-reason"));
            Assert.Equal(typeof(InvalidOperationException).FullName, Text(headers, "contracts-error-type"));
            Assert.Equal($"Poison {id} always fails.", Text(headers, "contracts-error-message"));
            Assert.Contains(nameof(PoisonHandler), Text(headers, "contracts-error-stack"), StringComparison.Ordinal);
            Assert.Equal("3", Text(headers, "contracts-error-attempts"));
            Assert.Equal("RmqTests.Poison", Text(headers, "contracts-error-endpoint"));
            Assert.Equal("RmqTests.Poison", letter.BasicProperties.Type);

            // The dead letter keeps the message itself: it reads back as the command that failed.
            Assert.True(host.Services.GetRequiredService<ContractCatalog>().TryFind("RmqTests.Poison", 1, out ContractDescriptor? found));
            var contract = (ContractDescriptor<Poison>)found;
            Assert.Equal(new Poison(id), contract.DeserializeTyped(letter.Body.ToArray()));
            Assert.Equal(0u, await Broker.ReadyCountAsync("RmqTests.Poison"));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task Unreadable_unknown_and_misrouted_messages_go_to_the_error_queue_at_once_and_the_consumer_keeps_going()
    {
        await Broker.ResetAsync("RmqTests.Later");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Later>(e => e.Consume = true));
        try
        {
            await using (IConnection connection = await Broker.ConnectAsync())
            await using (IChannel channel = await connection.CreateChannelAsync())
            {
                var garbage = new BasicProperties { Type = "RmqTests.Later", MessageId = Guid.NewGuid().ToString(), Headers = new Dictionary<string, object?> { ["contracts-version"] = 1 } };
                await channel.BasicPublishAsync("contracts", "RmqTests.Later", false, garbage, new byte[] { 0xc1, 0x00, 0x01 });
                var unknown = new BasicProperties { Type = "RmqTests.NoSuchContract", MessageId = Guid.NewGuid().ToString() };
                await channel.BasicPublishAsync("contracts", "RmqTests.Later", false, unknown, new byte[] { 0x90 });
                var misrouted = new BasicProperties { Type = "RmqTests.Poison", MessageId = Guid.NewGuid().ToString() };
                await channel.BasicPublishAsync("contracts", "RmqTests.Later", false, misrouted, new byte[] { 0x91, 0xd9, 0x00 });
            }

            var id = Guid.NewGuid();
            await host.Bus().SendAsync(new Later(id), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"later:{id}"), TimeSpan.FromSeconds(15), () => "the good message after the bad ones");

            var reasons = new List<string?>();
            for (int i = 0; i < 3; i++)
            {
                BasicGetResult letter = await Broker.GetAsync("RmqTests.Later.error", TimeSpan.FromSeconds(10));
                reasons.Add(Text(letter.BasicProperties.Headers!, "contracts-error-reason"));
            }

            reasons.Sort(StringComparer.Ordinal);
            Assert.Equal(["UnknownContract", "Unreadable", "Unreadable"], reasons);
            Assert.Single(probe.Hits);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_delayed_retry_waits_its_backoff_on_the_broker()
    {
        await Broker.ResetAsync("RmqTests.Flaky");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Flaky>(e =>
        {
            e.Consume = true;
            e.Retry.DelayedRetries = 1;
            e.Retry.Delay = TimeSpan.FromMilliseconds(700);
            e.Retry.Jitter = 0;
        }));
        try
        {
            var id = Guid.NewGuid();
            await host.Bus().SendAsync(new Flaky(id), cancellationToken: TestContext.Current.CancellationToken);
            await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"flaky:{id}:2"), TimeSpan.FromSeconds(15), () => "the second attempt");

            (string _, DateTimeOffset first, int _) = probe.Seen.Single(s => s.Key == $"flaky:{id}:1");
            (string _, DateTimeOffset second, int _) = probe.Seen.Single(s => s.Key == $"flaky:{id}:2");
            TimeSpan waited = second - first;
            Assert.InRange(waited, TimeSpan.FromMilliseconds(690), TimeSpan.FromMilliseconds(2500));
            Assert.Equal(0u, await Broker.ReadyCountAsync("RmqTests.Flaky.error"));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_delayed_send_is_handled_no_sooner_than_asked()
    {
        await Broker.ResetAsync("RmqTests.Later");
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t => t.Endpoint<Later>(e => e.Consume = true));
        try
        {
            var soon = Guid.NewGuid();
            var later = Guid.NewGuid();
            DateTimeOffset sent = DateTimeOffset.UtcNow;
            await host.Bus().SendAsync(new Later(later), new SendOptions { Delay = TimeSpan.FromMilliseconds(1500) }, TestContext.Current.CancellationToken);
            await host.Bus().SendAsync(new Later(soon), new SendOptions { Delay = TimeSpan.FromMilliseconds(300) }, TestContext.Current.CancellationToken);

            await Probe.WaitForAsync(() => probe.Hits.ContainsKey($"later:{later}"), TimeSpan.FromSeconds(15), () => "the delayed message");
            DateTimeOffset soonAt = probe.Seen.Single(s => s.Key == $"later:{soon}").At;
            DateTimeOffset laterAt = probe.Seen.Single(s => s.Key == $"later:{later}").At;
            Assert.InRange(soonAt - sent, TimeSpan.FromMilliseconds(290), TimeSpan.FromMilliseconds(1400));
            Assert.InRange(laterAt - sent, TimeSpan.FromMilliseconds(1490), TimeSpan.FromMilliseconds(3500));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    private static string? Text(IDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out object? value) ? value switch { byte[] bytes => Encoding.UTF8.GetString(bytes), _ => value?.ToString() } : null;
}
