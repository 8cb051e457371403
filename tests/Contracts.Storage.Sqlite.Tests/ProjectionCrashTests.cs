using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>
/// An asynchronous projection killed with SIGKILL in the middle of a rebuild, and again while its daemon resumes it,
/// goes on from its checkpoint each time and ends
/// with exactly the read model a clean rebuild gives: each batch's rows and checkpoint commit together.
/// </summary>
public sealed class ProjectionCrashTests
{
    [Fact]
    public async Task A_rebuild_killed_midway_resumes_and_ends_identical_to_a_clean_rebuild()
    {
        using var database = new TempDatabase();
        await RunToEndAsync("projection-produce", "produced", database);
        long head = database.Scalar("SELECT MAX(position) FROM contracts_events");
        Assert.Equal(ProjectionCrashChild.Accounts + (2L * ProjectionCrashChild.Deposits), head);
        SortedDictionary<string, (decimal, long)> projected = ProjectionTests.Ledger(database);
        database.Execute("UPDATE ledger SET balance = 0, events = 0"); // damage it: the rebuild must replace all of it

        // First the rebuild itself, then a daemon that resumes it (slowly, in small batches): both killed midway.
        string[] modes = ["projection-rebuild", "projection-resume-slow"];
        long previous = 0;
        for (int kill = 0; kill < modes.Length; kill++)
        {
            using Process child = CrashProcess.Start(modes[kill], database);
            using var guard = new CrashProcess.Guard(child);
            string? line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(line == "started", $"the child said '{line}': {await CrashProcess.ErrorOf(child)}");

            // The reset removed the checkpoint (it was at the head); kill once the replay is a random way further in.
            long target = kill == 0 ? Random.Shared.NextInt64(head / 10, head * 4 / 10) : Random.Shared.NextInt64(previous + 100, previous + ((head - previous) / 2));
            DateTime deadline = DateTime.UtcNow.AddSeconds(90);
            long checkpoint;
            while (!((checkpoint = Checkpoint(database)) > target && checkpoint < head))
            {
                Assert.False(child.HasExited, $"the rebuild exited early: {await CrashProcess.ErrorOf(child)}");
                Assert.True(DateTime.UtcNow < deadline, $"the rebuild made no progress (checkpoint {checkpoint}, target {target})");
                await Task.Delay(Random.Shared.Next(1, 10));
            }

            child.Kill(); // SIGKILL: no drain, no finally
            await child.WaitForExitAsync();
            long at = Checkpoint(database);
            TestContext.Current.TestOutputHelper?.WriteLine($"kill {kill + 1}: checkpoint {at} of {head}");
            Assert.InRange(at, previous + 1, head - 1); // the second run went on from the first's checkpoint
            previous = at;
        }

        await RunToEndAsync("projection-resume", "caught-up", database);
        SortedDictionary<string, (decimal, long)> resumed = ProjectionTests.Ledger(database);
        Assert.Equal(head, Checkpoint(database));

        await RunToEndAsync("projection-clean", "rebuilt", database);
        SortedDictionary<string, (decimal, long)> clean = ProjectionTests.Ledger(database);

        Assert.Equal(clean, resumed);
        Assert.Equal(projected, resumed);
        Assert.Equal(ProjectionCrashChild.Accounts, resumed.Count);
        int i = 0;
        foreach ((decimal balance, long events) in resumed.Values) // keys sort as the accounts were numbered
        {
            Assert.Equal(ProjectionCrashChild.ExpectedBalance(i), balance);
            Assert.Equal(1 + (2 * (ProjectionCrashChild.Deposits / ProjectionCrashChild.Accounts)), events);
            i++;
        }
    }

    private static long Checkpoint(TempDatabase database) =>
        database.Scalar("SELECT COALESCE((SELECT position FROM contracts_checkpoints WHERE subscription = 'ledger'), 0)");

    private static async Task RunToEndAsync(string mode, string expected, TempDatabase database)
    {
        using Process child = CrashProcess.Start(mode, database);
        using var guard = new CrashProcess.Guard(child);
        string output = await child.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(240));
        await child.WaitForExitAsync();
        Assert.True(child.ExitCode == 0 && output.Contains(expected, StringComparison.Ordinal), $"{mode} exited {child.ExitCode}: {output} {await CrashProcess.ErrorOf(child)}");
    }
}

/// <summary>Starts this test assembly as a child process in a crash mode over a database file.</summary>
internal static class CrashProcess
{
    public static Process Start(string mode, TempDatabase database)
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
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start the child process.");
    }

    public static async Task<string> ErrorOf(Process child) =>
        child.HasExited ? await child.StandardError.ReadToEndAsync() : "(still running)";

    public readonly struct Guard(Process child) : IDisposable
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
