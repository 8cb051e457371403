using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Contracts.HealthChecks.Tests;

/// <summary>
/// The store and dead-letter checks on the real PostgreSQL server (127.0.0.1:5432, or the connection string in
/// CONTRACTS_POSTGRES, as the store's own tests use), each test in a schema of its own; an unreachable server is a wrong port.
/// </summary>
public sealed class PostgresHealthTests : IAsyncLifetime
{
    private static string Server { get; } =
        Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES") is { Length: > 0 } configured ? configured : "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    private readonly string _schema = $"health_{Guid.NewGuid():N}";

    private Action<ContractsOptions> Postgres(string connectionString) => o => o.UseInMemoryTransport(t =>
    {
        t.Defaults.Retry.ImmediateRetries = 0;
        t.Defaults.Retry.DelayedRetries = 0;
    }).UsePostgres(connectionString, s => s.Schema = _schema);

    [Fact]
    public async Task The_store_is_healthy_while_the_server_answers_and_dead_letters_are_counted_in_its_table()
    {
        await using HealthHost host = await HealthHost.StartAsync(Postgres(Server));

        HealthReportEntry store = await host.CheckAsync("store");
        Assert.Equal(HealthStatus.Healthy, store.Status);
        Assert.StartsWith("The store (PostgresMessageStore) answered in ", store.Description, StringComparison.Ordinal);

        await host.Bus.SendAsync(new Doomed(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        await HealthHost.EventuallyAsync(async () => (await host.CheckAsync("dead-letters")).Status == HealthStatus.Degraded, "one dead letter: degraded");
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM \"{_schema}\".dead_letters"));
        Assert.Equal(1L, (await host.CheckAsync("dead-letters")).Data["deadLetters"]);
    }

    [Fact]
    public async Task An_unreachable_server_fails_the_start_and_the_store_check_says_where()
    {
        await using HealthHost host = HealthHost.Build(Postgres("Host=127.0.0.1;Port=1;Username=postgres;Timeout=2"));

        await host.TryStartAsync();

        Assert.NotNull(host.StartFailure);
        HealthReportEntry store = await host.CheckAsync("store");
        Assert.Equal(HealthStatus.Unhealthy, store.Status);
        Assert.StartsWith("The store (PostgresMessageStore) did not answer: Could not connect to PostgreSQL at Host=127.0.0.1;Port=1;", store.Description, StringComparison.Ordinal);
        HealthReportEntry transport = await host.CheckAsync("transport");
        Assert.Equal(HealthStatus.Unhealthy, transport.Status);
        Assert.StartsWith("The bus did not start: Could not connect to PostgreSQL at Host=127.0.0.1;Port=1;", transport.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_whose_schema_is_missing_is_unhealthy_with_the_servers_answer()
    {
        await using HealthHost host = await HealthHost.StartAsync(Postgres(Server));

        // Renamed away and back (the bus's own loops need it to stop cleanly): the check looks in the schema the store was given.
        await ScalarAsync($"ALTER SCHEMA \"{_schema}\" RENAME TO \"{_schema}_away\"");
        HealthReportEntry store = await host.CheckAsync("store");
        await ScalarAsync($"ALTER SCHEMA \"{_schema}_away\" RENAME TO \"{_schema}\"");

        Assert.Equal(HealthStatus.Unhealthy, store.Status);
        Assert.Contains($"answered the store's query (schema '{_schema}') with 42P01", store.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, (await host.CheckAsync("store")).Status);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await ScalarAsync($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");
        await ScalarAsync($"DROP SCHEMA IF EXISTS \"{_schema}_away\" CASCADE");
    }

    private static async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }
}
