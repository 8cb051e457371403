using System;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>
/// 2,000 sagas in flight over one SQLite file; the process is killed with SIGKILL at random points three times and
/// restarted; then every saga has ended as its trip says, every compensation ran exactly once, and no timeout was lost.
/// </summary>
public sealed class SagaCrashTests
{
    [Fact]
    public async Task Sagas_killed_three_times_end_right_with_every_compensation_once_and_no_timeout_lost()
    {
        using var database = new TempDatabase();
        var run = Stopwatch.StartNew();
        string[] modes = ["saga-produce", "saga-run", "saga-run"];
        long lastProgress = -1;
        for (int kill = 0; kill < modes.Length; kill++)
        {
            using Process child = StartChild(modes[kill], database);
            using ChildGuard guard = new(child);
            if (kill == 0)
            {
                string? line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
                Assert.True(line == "sent", $"the producer said '{line}': {await ErrorOf(child)}");
            }

            // Kill at a random point: once this run has moved a random number of steps on (effects and ended sagas).
            long target = Progress(database) + Random.Shared.Next(200, 1_500);
            DateTime deadline = DateTime.UtcNow.AddSeconds(90);
            while (Progress(database) < target && !AllEnded(database))
            {
                Assert.False(child.HasExited, $"run {kill} exited early ({(child.HasExited ? child.ExitCode : 0)}): {await ErrorOf(child)}");
                Assert.True(DateTime.UtcNow < deadline, $"run {kill} made no progress ({Progress(database)} of {target}).");
                await Task.Delay(Random.Shared.Next(1, 20));
            }

            child.Kill(); // SIGKILL on Unix: no drain, no finally, no disposal
            await child.WaitForExitAsync();
            long progress = Progress(database);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"kill {kill + 1} at {run.Elapsed.TotalSeconds:F1} s: {progress} steps, {Scalar(database, "SELECT COUNT(*) FROM contracts_sagas WHERE status <> 0")} sagas ended");
            Assert.True(progress > lastProgress, "a run made no progress before it was killed");
            lastProgress = progress;
        }

        Assert.False(AllEnded(database), "every saga ended before the last kill: the kills were not in flight");
        using (Process drain = StartChild("saga-drain", database))
        using (new ChildGuard(drain))
        {
            string output = await drain.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(180));
            await drain.WaitForExitAsync();
            Assert.True(drain.ExitCode == 0, $"drain exited {drain.ExitCode}: {output} {await ErrorOf(drain)}");
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"drained at {run.Elapsed.TotalSeconds:F1} s");
        int trips = SagaCrashChild.Trips;
        int paid = (trips + 2) / 3, declined = (trips + 1) / 3, silent = trips / 3;
        Assert.Equal(trips, Scalar(database, "SELECT COUNT(*) FROM contracts_sagas"));
        long paidCompensated = Scalar(database, $"SELECT COUNT(*) FROM contracts_sagas WHERE status = {(int)SagaStatus.Compensated} AND CAST(saga_id AS INTEGER) % 3 = 0");
        Assert.True(paidCompensated == 0, $"{paidCompensated} paid trips were compensated (their payment came after their payment timeout)");
        Assert.Equal(paid, Scalar(database, $"SELECT COUNT(*) FROM contracts_sagas WHERE status = {(int)SagaStatus.Completed} AND CAST(saga_id AS INTEGER) % 3 = 0"));
        Assert.Equal(declined + silent, Scalar(database, $"SELECT COUNT(*) FROM contracts_sagas WHERE status = {(int)SagaStatus.Compensated} AND CAST(saga_id AS INTEGER) % 3 <> 0"));

        // Every trip booked once and paid once; every compensation (a cancelled hotel) exactly once, and only where due.
        Assert.Equal(trips, Scalar(database, "SELECT COUNT(*) FROM trip_effects WHERE what = 'book'"));
        Assert.Equal(trips, Scalar(database, "SELECT COUNT(DISTINCT trip) FROM trip_effects WHERE what = 'book'"));
        Assert.Equal(trips, Scalar(database, "SELECT COUNT(*) FROM trip_effects WHERE what = 'pay'"));
        Assert.Equal(declined + silent, Scalar(database, "SELECT COUNT(*) FROM trip_effects WHERE what = 'cancel'"));
        Assert.Equal(declined + silent, Scalar(database, "SELECT COUNT(DISTINCT trip) FROM trip_effects WHERE what = 'cancel'"));
        Assert.Equal(0, Scalar(database, "SELECT COUNT(*) FROM trip_effects WHERE what = 'cancel' AND trip % 3 = 0"));

        // No timeout lost: each silent trip was compensated by its timeout (it ended in no other way), and none is left.
        Assert.Equal(silent, Scalar(database, "SELECT COUNT(*) FROM contracts_sagas WHERE status = 2 AND CAST(saga_id AS INTEGER) % 3 = 2"));
        Assert.Equal(0, Scalar(database, "SELECT COUNT(*) FROM contracts_queue"));
        Assert.Equal(0, Scalar(database, "SELECT COUNT(*) FROM contracts_dead_letters"));
    }

    private static long Progress(TempDatabase database) =>
        Scalar(database, "SELECT COUNT(*) FROM trip_effects") + Scalar(database, "SELECT COUNT(*) FROM contracts_sagas WHERE status <> 0");

    private static bool AllEnded(TempDatabase database) =>
        Scalar(database, $"SELECT COUNT(*) FROM contracts_sagas WHERE status <> 0") == SagaCrashChild.Trips;

    private static long Scalar(TempDatabase database, string sql)
    {
        try
        {
            return database.Scalar(sql);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex) when (ex.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return 0; // the child has not created it yet
        }
    }

    private static async Task<string> ErrorOf(Process child) =>
        child.HasExited ? await child.StandardError.ReadToEndAsync() : "(still running)";

    private static Process StartChild(string mode, TempDatabase database)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Contracts.Storage.Sqlite.Tests.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        start.Environment[CrashChild.ModeVariable] = mode;
        start.Environment[CrashChild.DatabaseVariable] = database.Path;
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start the child process.");
    }

    private readonly struct ChildGuard(Process child) : IDisposable
    {
        public void Dispose()
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
    }
}
