using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;

namespace Contracts.Tool.Tests;

/// <summary><c>contracts dead-letters</c> on a real SQLite store file that real buses use.</summary>
public sealed class SqliteDeadLetterTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("contracts-tool-").FullName;

    private string File => Path.Combine(_folder, "store.db");

    private static readonly TimeSpan s_claimDuration = TimeSpan.FromSeconds(3);

    private Task<IHost> StartAsync(Ledger ledger, string name) => TestHost.StartAsync(ledger, name, o =>
    {
        o.UseInMemoryTransport(t => t.Endpoint<ChargeCard>(TestHost.FailFast)).UseSqlite($"Data Source={File}");
        o.ClaimDuration = s_claimDuration;
    });

    [Fact]
    public async Task A_running_bus_handles_a_replayed_dead_letter_once_and_purge_empties_the_table()
    {
        var ledger = new Ledger();
        IHost host = await StartAsync(ledger, "a");
        try
        {
            List<ChargeCard> sent = await Scenario.FailChargesAsync(host, 3);
            // The bus polls for free rows every third of its claim duration: a replay is taken within about one second.
            await Scenario.ListShowReplayPurgeAsync(["--sqlite", File], sent, ledger, handledWithin: TimeSpan.FromSeconds(15), settle: s_claimDuration);
            Assert.Equal(0, QueuedRows());
        }
        finally
        {
            await host.StopAndDisposeAsync();
        }
    }

    [Fact]
    public async Task A_dead_letter_replayed_while_no_bus_runs_is_handled_once_by_the_next_bus_that_starts()
    {
        var ledger = new Ledger();
        IHost first = await StartAsync(ledger, "first");
        List<ChargeCard> sent;
        try
        {
            sent = await Scenario.FailChargesAsync(host: first, 2);
            await Scenario.ListWhenAsync(["--sqlite", File], 2);
        }
        finally
        {
            await first.StopAndDisposeAsync();
        }

        System.Text.Json.JsonElement[] letters = await Scenario.ListWhenAsync(["--sqlite", File], 2);
        string id = letters[1].GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        ToolRun replay = (await ToolRun.RunAsync("dead-letters", "replay", id, "--sqlite", File)).Expect(ExitCodes.Success);
        Assert.Contains("claimed by no bus", replay.Output, StringComparison.Ordinal);
        Assert.Equal(1, QueuedRows());

        ledger.Failing = false;
        IHost second = await StartAsync(ledger, "second");
        try
        {
            await Wait.UntilAsync(() => ledger.Handled.Count == 1, "the bus that started after the replay handles it", TimeSpan.FromSeconds(15));
            await Task.Delay(s_claimDuration);
            Assert.Single(ledger.HandledBy);
            Assert.StartsWith("second:", ledger.HandledBy.ToArray()[0], StringComparison.Ordinal);
            Assert.Contains(ledger.Handled.Keys, k => sent.Exists(c => c.PaymentId == k));
            Assert.Equal(0, QueuedRows());
            await Scenario.ListWhenAsync(["--sqlite", File], 1);
        }
        finally
        {
            await second.StopAndDisposeAsync();
        }
    }

    [Fact]
    public async Task A_missing_file_or_a_file_that_is_not_a_store_fails_clearly_and_is_left_alone()
    {
        string missing = Path.Combine(_folder, "nope.db");
        ToolRun none = (await ToolRun.RunAsync("dead-letters", "list", "--sqlite", missing)).Expect(ExitCodes.NotFound);
        Assert.Contains("does not exist", none.Error, StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(missing), "the tool must not create a store");

        string text = Path.Combine(_folder, "notes.txt");
        await System.IO.File.WriteAllTextAsync(text, "not a database, just text that is long enough to be read as a header by SQLite", TestContext.Current.CancellationToken);
        ToolRun garbage = (await ToolRun.RunAsync("dead-letters", "list", "--sqlite", text)).Expect(ExitCodes.Unreachable);
        Assert.Contains("cannot be opened as a SQLite database", garbage.Error, StringComparison.Ordinal);

        string other = Path.Combine(_folder, "other.db");
        using (var connection = new SqliteConnection($"Data Source={other};Pooling=false"))
        {
            connection.Open();
            using SqliteCommand create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY)";
            create.ExecuteNonQuery();
        }

        ToolRun foreign = (await ToolRun.RunAsync("dead-letters", "list", "--sqlite", other, "--json")).Expect(ExitCodes.Unreachable);
        Assert.Equal(ExitCodes.Unreachable, foreign.ErrorJson().GetProperty("exitCode").GetInt32());
        Assert.Contains("not a Contracts store", foreign.ErrorJson().GetProperty("error").GetString(), StringComparison.Ordinal);
        using (var connection = new SqliteConnection($"Data Source={other};Pooling=false"))
        {
            connection.Open();
            using SqliteCommand tables = connection.CreateCommand();
            tables.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table'";
            Assert.Equal(1L, (long)tables.ExecuteScalar()!);
        }
    }

    private long QueuedRows()
    {
        using var connection = new SqliteConnection($"Data Source={File};Pooling=false");
        connection.Open();
        using SqliteCommand count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM contracts_queue";
        return (long)count.ExecuteScalar()!;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
