using System;
using System.Threading.Tasks;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>A connection string that is wrong fails early, saying where it tried to connect and what to do.</summary>
public sealed class ConnectionTests
{
    [Fact]
    public void A_malformed_connection_string_fails_where_it_is_configured()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new ContractsOptions().UsePostgres("Hots=127.0.0.1;Username=postgres"));
        Assert.Contains("connection string given to UsePostgres is not valid", error.Message, StringComparison.Ordinal);
        Assert.Contains("hots", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_fails_the_start_saying_where_and_what_to_do()
    {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        await using var store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = "Host=127.0.0.1;Port=1;Username=postgres;Timeout=2" });
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(default).AsTask());
        Assert.Contains("Could not connect to PostgreSQL at Host=127.0.0.1;Port=1", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/postgres.sh start", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_named_in_the_error()
    {
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = "contracts_no_such_database" };
        await using var store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = settings.ConnectionString });
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync(default).AsTask());
        Assert.Contains("refused the connection: 3D000", error.Message, StringComparison.Ordinal);
        Assert.Contains("contracts_no_such_database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_used_before_the_bus_started_says_so()
    {
        await using var store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString });
        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.Inbox.ContainsAsync("A", "k", default).AsTask());
        Assert.Contains("is not open: the bus opens it when it starts", error.Message, StringComparison.Ordinal);
    }
}
