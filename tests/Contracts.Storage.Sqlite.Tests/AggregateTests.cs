using System.Threading.Tasks;
using Contracts.Tests.Aggregates;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>The aggregate suite on a SQLite file, deleted after the test.</summary>
public sealed class SqliteAggregateTests : AggregateSuite
{
    private readonly TempDatabase _database = new();

    protected override IMessageStore CreateStore() => new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = _database.ConnectionString });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}

/// <summary>Aggregates changed by EffectivelyOnce handlers on a SQLite file: in the writer's batch transaction, each delivery in its savepoint.</summary>
public sealed class SqliteTransactionalAggregateTests : TransactionalAggregateSuite
{
    private readonly TempDatabase _database = new();

    protected override IMessageStore CreateStore() =>
        new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = _database.ConnectionString, BusyTimeout = System.TimeSpan.FromSeconds(10) });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
    }
}
