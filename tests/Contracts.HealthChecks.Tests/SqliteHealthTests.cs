using System;
using System.IO;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Contracts.HealthChecks.Tests;

/// <summary>The store and dead-letter checks on a real SQLite file.</summary>
public sealed class SqliteHealthTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"contracts-health-{Guid.NewGuid():N}");

    private string File => Path.Combine(_folder, "app.db");

    private Action<ContractsOptions> Sqlite(string file) => o => o.UseInMemoryTransport(t =>
    {
        t.Defaults.Retry.ImmediateRetries = 0;
        t.Defaults.Retry.DelayedRetries = 0;
    }).UseSqlite($"Data Source={file}");

    [Fact]
    public async Task The_store_is_healthy_while_its_file_answers_and_unhealthy_naming_the_file_once_it_is_gone()
    {
        await using HealthHost host = await HealthHost.StartAsync(Sqlite(File));

        HealthReportEntry healthy = await host.CheckAsync("store");
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.StartsWith("The store (SqliteMessageStore) answered in ", healthy.Description, StringComparison.Ordinal);

        foreach (string path in Directory.GetFiles(_folder))
        {
            System.IO.File.Delete(path);
        }

        HealthReportEntry gone = await host.CheckAsync("store");
        Assert.Equal(HealthStatus.Unhealthy, gone.Status);
        Assert.Equal(
            $"The store (SqliteMessageStore) did not answer: The SQLite database file '{File}' does not exist: it was deleted, or the store could not create it (is its folder writable?). Check the path given to UseSqlite.",
            gone.Description);
        Assert.False(System.IO.File.Exists(File), "the check must not create the file it looks for");
    }

    [Fact]
    public async Task A_store_that_could_not_be_created_fails_the_start_and_both_checks_say_why()
    {
        Directory.CreateDirectory(_folder);
        string notAFolder = Path.Combine(_folder, "plain-file");
        await System.IO.File.WriteAllTextAsync(notAFolder, "not a folder", TestContext.Current.CancellationToken);
        string file = Path.Combine(notAFolder, "app.db");
        await using HealthHost host = HealthHost.Build(Sqlite(file));

        await host.TryStartAsync();

        Assert.NotNull(host.StartFailure);
        HealthReportEntry store = await host.CheckAsync("store");
        Assert.Equal(HealthStatus.Unhealthy, store.Status);
        Assert.Contains($"The SQLite database file '{file}' does not exist", store.Description, StringComparison.Ordinal);
        HealthReportEntry transport = await host.CheckAsync("transport");
        Assert.Equal(HealthStatus.Unhealthy, transport.Status);
        Assert.StartsWith("The bus did not start: ", transport.Description, StringComparison.Ordinal);
        Assert.False(host.Probe.IsRunning);
    }

    [Fact]
    public async Task Dead_letters_in_the_file_are_counted_against_the_thresholds()
    {
        await using HealthHost host = await HealthHost.StartAsync(Sqlite(File), h => h.DeadLetters.UnhealthyAbove = 2);

        for (int i = 0; i < 2; i++)
        {
            await host.Bus.SendAsync(new Doomed(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        }

        await HealthHost.EventuallyAsync(async () => await host.Probe.CountDeadLettersAsync() == 2, "two dead letters in the file");
        HealthReportEntry degraded = await host.CheckAsync("dead-letters");
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.StartsWith("2 dead letters (degraded above 0, unhealthy above 2)", degraded.Description, StringComparison.Ordinal);

        await host.Bus.SendAsync(new Doomed(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken);
        await HealthHost.EventuallyAsync(async () => (await host.CheckAsync("dead-letters")).Status == HealthStatus.Unhealthy, "three dead letters: unhealthy");
        Assert.Equal(3L, (await host.CheckAsync("dead-letters")).Data["deadLetters"]);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
