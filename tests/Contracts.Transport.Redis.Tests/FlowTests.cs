using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Contracts.Transport.Redis.Tests;

/// <summary>Poison among good messages, sends to nobody, and what trimming may and may not remove.</summary>
public sealed class FlowTests
{
    [Fact]
    public async Task Poison_messages_end_in_dead_letters_while_the_rest_flows_and_a_replay_runs_it_again()
    {
        const string endpoint = "RedisTests.Mixed";
        const int total = 400;
        await RedisServer.ResetAsync(endpoint);
        var probe = new Probe();
        IHost host = await RedisHost.StartAsync(probe, t => t.Endpoint<Mixed>(e =>
        {
            e.Consume = true;
            e.MaxConcurrency = 4;
        }));
        try
        {
            for (int i = 0; i < total; i++)
            {
                await host.Bus().SendAsync(new Mixed(i, Poison: i % 100 == 7), cancellationToken: TestContext.Current.CancellationToken);
            }

            await Probe.WaitForAsync(() => probe.Hits.Count == total, TimeSpan.FromSeconds(30), () => $"{probe.Hits.Count} of {total} handled");
            IDeadLetters deadLetters = host.Services.GetRequiredService<IDeadLetters>();
            IReadOnlyList<DeadLetter> letters = await RedisServer.WaitForAsync(
                async () => await deadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken), l => l.Count == 4, TimeSpan.FromSeconds(10), "4 dead letters");
            foreach (DeadLetter letter in letters)
            {
                Assert.Equal(DeadLetterReason.Failed, letter.Reason);
                Assert.Equal(endpoint, letter.Message.Endpoint);
                Assert.Contains("is poison", letter.ExceptionMessage, StringComparison.Ordinal);
            }

            for (int i = 0; i < total; i++)
            {
                Assert.Equal(1, probe.Hits[$"mixed:{i}"]); // no retries configured: each ran once, poison included
            }

            Assert.Equal(4L, await deadLetters.CountAsync(TestContext.Current.CancellationToken));

            // A replay hands the letter back to the endpoint as attempt 1: it fails again and is a dead letter again.
            Assert.True(await deadLetters.ReplayAsync(letters[0].Id, TestContext.Current.CancellationToken));
            await Probe.WaitForAsync(() => PoisonRuns(probe, total) == 5, TimeSpan.FromSeconds(10), () => $"{PoisonRuns(probe, total)} runs of poison messages");
            await RedisServer.WaitForAsync(
                async () => await deadLetters.ListAsync(cancellationToken: TestContext.Current.CancellationToken),
                l => l.Count == 4 && l[^1].Id > letters[^1].Id, TimeSpan.FromSeconds(10), "the replayed letter back in dead letters under a new id");
            Assert.Equal(4, await deadLetters.PurgeAsync(cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal(0L, await deadLetters.CountAsync(TestContext.Current.CancellationToken));

            await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
            Assert.Equal(0, (await connection.GetDatabase().StreamPendingAsync(RedisServer.Stream(endpoint), endpoint)).PendingMessageCount);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    private static int PoisonRuns(Probe probe, int total)
    {
        int runs = 0;
        for (int i = 7; i < total; i += 100)
        {
            runs += probe.Hits.TryGetValue($"mixed:{i}", out int count) ? count : 0;
        }

        return runs;
    }

    [Fact]
    public async Task A_command_no_process_consumes_is_an_error_and_an_event_without_subscribers_is_not()
    {
        await RedisServer.ResetAsync("RedisTests.Nobody", "RedisTests.Reserved");
        IHost host = await RedisHost.StartAsync(new Probe(), _ => { });
        try
        {
            NoHandlerException error = await Assert.ThrowsAsync<NoHandlerException>(
                async () => await host.Bus().SendAsync(new Nobody(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken));
            Assert.Contains("contracts:RedisTests.Nobody", error.Message, StringComparison.Ordinal);
            Assert.Equal("RedisTests.Nobody", error.Contract.Name);

            await host.Bus().PublishAsync(new Reserved(Guid.NewGuid(), "sku", 1, 0), cancellationToken: TestContext.Current.CancellationToken);
            await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
            Assert.False(await connection.GetDatabase().KeyExistsAsync(RedisServer.Stream("RedisTests.Reserved")), "A publish without subscribers created a stream nobody reads.");
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task Trimming_removes_what_every_group_is_done_with_and_keeps_what_a_stopped_subscription_has_not_read()
    {
        string audit = $"RedisTests.Reserved/{typeof(AuditReserved).FullName}";
        string notify = $"RedisTests.Reserved/{typeof(NotifyReserved).FullName}";
        RedisKey events = RedisServer.Stream("RedisTests.Reserved");
        await RedisServer.ResetAsync("RedisTests.Reserved", audit, notify);
        const int total = 600;

        // Both subscriptions' groups exist; then only the audit subscription runs, trimming every 100 ms.
        IHost both = await RedisHost.StartAsync(new Probe(), t => t.Endpoint<Reserved>(e => e.Consume = true));
        await both.StopQuietlyAsync();
        var probe = new Probe();
        IHost auditOnly = await RedisHost.StartAsync(probe, t =>
        {
            t.TrimInterval = TimeSpan.FromMilliseconds(100);
            t.Endpoint(audit, e => e.Consume = true);
        });
        await using ConnectionMultiplexer connection = await RedisServer.ConnectAsync();
        IDatabase database = connection.GetDatabase();
        try
        {
            for (int i = 0; i < total; i++)
            {
                await auditOnly.Bus().PublishAsync(new Reserved(Guid.NewGuid(), "sku", i, 0), cancellationToken: TestContext.Current.CancellationToken);
            }

            await Probe.WaitForAsync(() => probe.Hits.Count == total, TimeSpan.FromSeconds(30), () => $"{probe.Hits.Count} of {total} audited");
            await Task.Delay(1000, TestContext.Current.CancellationToken); // ten trim passes
            Assert.Equal(total, await database.StreamLengthAsync(events)); // the notify group has read none of them
        }
        finally
        {
            await auditOnly.StopQuietlyAsync();
        }

        var notified = new Probe();
        IHost notifier = await RedisHost.StartAsync(notified, t =>
        {
            t.TrimInterval = TimeSpan.FromMilliseconds(100);
            t.Endpoint(notify, e => e.Consume = true);
        });
        try
        {
            await Probe.WaitForAsync(() => notified.Hits.Count == total, TimeSpan.FromSeconds(30), () => $"{notified.Hits.Count} of {total} notified");

            // Both groups are done: trimmed down to what MINID ~ keeps (whole macro nodes of 100 entries at most).
            long length = await RedisServer.WaitForAsync(() => database.StreamLengthAsync(events), l => l <= 100, TimeSpan.FromSeconds(10), "the event stream trimmed");
            Assert.True(length <= 100, $"{length} entries left");
        }
        finally
        {
            await notifier.StopQuietlyAsync();
        }
    }
}
