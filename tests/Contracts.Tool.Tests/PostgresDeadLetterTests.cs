using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Contracts.Tool.Tests;

/// <summary><c>contracts dead-letters</c> on the real PostgreSQL server, in a schema of each test's own that real buses share.</summary>
public sealed class PostgresDeadLetterTests : IAsyncLifetime
{
    private readonly string _schema = $"tool_{Guid.NewGuid():N}";

    // Long claims: the buses poll for free rows only every 20 s, so a replay handled within a few seconds was woken by the tool's NOTIFY.
    private static readonly TimeSpan s_claimDuration = TimeSpan.FromSeconds(60);

    private string[] Source => ["--postgres", Servers.PostgresConnectionString, "--schema", _schema];

    private Task<IHost> StartAsync(Ledger ledger, string name) => TestHost.StartAsync(ledger, name, o =>
    {
        o.UseInMemoryTransport(t => t.Endpoint<ChargeCard>(TestHost.FailFast)).UsePostgres(Servers.PostgresConnectionString, s => s.Schema = _schema);
        o.ClaimDuration = s_claimDuration;
    });

    [Fact]
    public async Task Two_running_buses_are_woken_by_a_replay_and_exactly_one_handles_it()
    {
        var ledger = new Ledger();
        IHost a = await StartAsync(ledger, "a");
        IHost b = await StartAsync(ledger, "b");
        try
        {
            List<ChargeCard> sent = await Scenario.FailChargesAsync(a, 3);
            await Scenario.ListShowReplayPurgeAsync(Source, sent, ledger, handledWithin: TimeSpan.FromSeconds(8), settle: TimeSpan.FromSeconds(3));
            Assert.Single(ledger.HandledBy);
            Assert.Equal(0, await ScalarAsync($"SELECT count(*) FROM \"{_schema}\".queue"));
            Assert.Equal(0, await ScalarAsync($"SELECT count(*) FROM \"{_schema}\".dead_letters"));
        }
        finally
        {
            await b.StopAndDisposeAsync();
            await a.StopAndDisposeAsync();
        }
    }

    [Fact]
    public async Task Purge_before_a_time_keeps_what_failed_later()
    {
        var ledger = new Ledger();
        IHost host = await StartAsync(ledger, "a");
        try
        {
            await Scenario.FailChargesAsync(host, 2);
            await Scenario.ListWhenAsync(Source, 2);
            // Age the first letter by a day, as if it had failed yesterday.
            await ExecuteAsync($"UPDATE \"{_schema}\".dead_letters SET failed_last_at = failed_last_at - interval '1 day' WHERE id = (SELECT min(id) FROM \"{_schema}\".dead_letters)");
            long oldest = await ScalarAsync($"SELECT min(id) FROM \"{_schema}\".dead_letters");

            System.Text.Json.JsonElement purged = (await ToolRun.RunAsync(["dead-letters", "purge", "--before", "12h", .. Source, "--json"])).Expect(ExitCodes.Success).Json();
            Assert.Equal(1, purged.GetProperty("purged").GetInt32());
            System.Text.Json.JsonElement[] left = await Scenario.ListWhenAsync(Source, 1);
            Assert.NotEqual(oldest, left[0].GetProperty("id").GetInt64());
        }
        finally
        {
            await host.StopAndDisposeAsync();
        }
    }

    [Fact]
    public async Task An_unreachable_server_a_missing_schema_and_a_bad_connection_string_fail_with_their_exit_codes()
    {
        ToolRun down = (await ToolRun.RunAsync("dead-letters", "list", "--postgres", "Host=127.0.0.1;Port=1;Username=postgres;Timeout=3")).Expect(ExitCodes.Unreachable);
        Assert.Contains("Could not connect to PostgreSQL at Host=127.0.0.1;Port=1", down.Error, StringComparison.Ordinal);

        ToolRun missing = (await ToolRun.RunAsync(["dead-letters", "list", .. Source])).Expect(ExitCodes.Unreachable);
        Assert.Contains(_schema, missing.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ScalarAsync($"SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{_schema}'"));

        (await ToolRun.RunAsync("dead-letters", "list", "--postgres", "Hots=nowhere")).Expect(ExitCodes.Usage);
        (await ToolRun.RunAsync("dead-letters", "list", "--postgres", Servers.PostgresConnectionString, "--schema", "Not-A-Schema")).Expect(ExitCodes.Usage);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE");

    private static async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Servers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Servers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
