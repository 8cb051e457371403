using System.Threading.Tasks;
using Contracts.Tests.Aggregates;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>The aggregate suite on the test server, in a schema of its own that is dropped after the test.</summary>
public sealed class PostgresAggregateTests : AggregateSuite
{
    private readonly string _schema = PostgresServer.NewSchema("agg");

    protected override IMessageStore CreateStore() =>
        new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await PostgresServer.DropSchemaAsync(_schema);
    }
}

/// <summary>Aggregates changed by EffectivelyOnce handlers on PostgreSQL: in each delivery's transaction on its own connection.</summary>
public sealed class PostgresTransactionalAggregateTests : TransactionalAggregateSuite
{
    private readonly string _schema = PostgresServer.NewSchema("aggtx");

    protected override IMessageStore CreateStore() =>
        new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await PostgresServer.DropSchemaAsync(_schema);
    }
}
