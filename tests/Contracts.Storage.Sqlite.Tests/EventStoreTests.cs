using System;
using System.Linq;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

[Event] public partial record AccountOpened(Guid AccountId, string Owner);
[Event] public partial record Deposited(Guid AccountId, decimal Amount);

/// <summary>The deposits the subscriber saw.</summary>
public sealed class DepositLog
{
    public readonly System.Collections.Concurrent.ConcurrentQueue<(decimal Amount, Guid MessageId)> Seen = new();
    public readonly System.Threading.SemaphoreSlim Done = new(0);
}

[Idempotent]
public sealed class DepositedHandler(DepositLog log) : IEventHandler<Deposited>
{
    public ValueTask HandleAsync(Deposited @event, MessageContext context, System.Threading.CancellationToken cancellationToken)
    {
        log.Seen.Enqueue((@event.Amount, context.MessageId));
        log.Done.Release();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The typed event store on a SQLite file: what was appended is there after a restart, and the versions still hold.</summary>
public sealed class EventStoreTests
{
    [Fact]
    public async Task Appended_events_are_published_through_the_outbox_in_the_appends_transaction()
    {
        using var database = new TempDatabase();
        var log = new DepositLog();
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(log));
        IEventStore events = host.Get<IEventStore>();
        var account = Guid.NewGuid();
        await events.AppendAsync("account-7", ExpectedVersion.NoStream, [new AccountOpened(account, "ada"), new Deposited(account, 1m), new Deposited(account, 2m)]);
        await Assert.ThrowsAsync<WrongExpectedVersionException>(async () => await events.AppendAsync("account-7", ExpectedVersion.NoStream, [new Deposited(account, 99m)]));

        await Wait.For(log.Done, 2);
        RecordedEvent[] stored = await events.ReadStreamAsync("account-7").ToArrayAsync();
        Assert.Equal([(1m, stored[1].EventId), (2m, stored[2].EventId)], log.Seen.ToArray());
        Assert.Equal(3, database.Scalar("SELECT count(*) FROM contracts_outbox"));  // the refused append published nothing
        await Task.Delay(200);
        Assert.Equal(2, log.Seen.Count);
    }

    [Fact]
    public async Task A_subscription_sees_what_another_process_appends_and_resumes_after_its_saved_checkpoint()
    {
        using var database = new TempDatabase();
        await using SqliteBus reader = await SqliteBus.StartAsync(database);
        await using SqliteBus writer = await SqliteBus.StartAsync(database);
        IEventStore follower = reader.Get<IEventStore>();
        IEventStore appender = writer.Get<IEventStore>();
        var account = Guid.NewGuid();
        var noPublish = new AppendOptions { Publish = false };

        using var stop = new System.Threading.CancellationTokenSource(SqliteBus.Timeout);
        var seen = new System.Collections.Generic.List<decimal>();
        await appender.AppendAsync("account-1", ExpectedVersion.NoStream, [new Deposited(account, 1m), new Deposited(account, 2m)], noPublish);
        await foreach (RecordedEvent e in follower.SubscribeToAllAsync(1, stop.Token))
        {
            seen.Add(((Deposited)e.Event).Amount);
            await follower.SaveCheckpointAsync("balances", e.Position);
            if (e.Position == 2)
            {
                // Caught up: the next event comes from the other bus, which cannot wake this one: the poll finds it.
                _ = appender.AppendAsync("account-1", ExpectedVersion.Exactly(2), [new Deposited(account, 3m)], noPublish).AsTask();
            }

            if (e.Position == 3)
            {
                break;
            }
        }

        Assert.Equal([1m, 2m, 3m], seen);
        await appender.AppendAsync("account-1", ExpectedVersion.Exactly(3), [new Deposited(account, 4m)], noPublish);
        long resumeAfter = await appender.ReadCheckpointAsync("balances");
        Assert.Equal(3, resumeAfter);
        RecordedEvent next = await follower.SubscribeToAllAsync(resumeAfter + 1, stop.Token).FirstAsync(stop.Token);
        Assert.Equal(new Deposited(account, 4m), next.Event);
    }

    [Fact]
    public async Task Events_survive_a_restart_and_the_next_append_still_checks_the_stored_version()
    {
        using var database = new TempDatabase();
        var account = Guid.NewGuid();
        await using (SqliteBus first = await SqliteBus.StartAsync(database))
        {
            IEventStore events = first.Get<IEventStore>();
            await events.AppendAsync("account-1", ExpectedVersion.NoStream, [new AccountOpened(account, "ada"), new Deposited(account, 10m)]);
        }

        Assert.Equal(2, database.Scalar("SELECT count(*) FROM contracts_events"));
        await using SqliteBus second = await SqliteBus.StartAsync(database);
        IEventStore reopened = second.Get<IEventStore>();
        Assert.Equal([new AccountOpened(account, "ada"), new Deposited(account, 10m)], (await reopened.ReadStreamAsync("account-1").ToArrayAsync()).Select(e => e.Event));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(async () => await reopened.AppendAsync("account-1", ExpectedVersion.Exactly(1), [new Deposited(account, 5m)]));
        Assert.Equal(3, await reopened.AppendAsync("account-1", ExpectedVersion.Exactly(2), [new Deposited(account, 5m)]));
        Assert.Equal(3, await reopened.ReadHeadPositionAsync());
    }
}
