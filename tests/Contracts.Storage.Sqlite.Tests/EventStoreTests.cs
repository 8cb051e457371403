using System;
using System.Linq;
using System.Threading.Tasks;
using Contracts.EventSourcing;

namespace Contracts.Storage.Sqlite.Tests;

[Event] public partial record AccountOpened(Guid AccountId, string Owner);
[Event] public partial record Deposited(Guid AccountId, decimal Amount);

/// <summary>The typed event store on a SQLite file: what was appended is there after a restart, and the versions still hold.</summary>
public sealed class EventStoreTests
{
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
