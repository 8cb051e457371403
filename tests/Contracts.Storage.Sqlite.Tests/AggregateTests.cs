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
