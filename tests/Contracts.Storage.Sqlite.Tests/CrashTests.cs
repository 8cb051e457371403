using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage.Sqlite.Tests;

public sealed class CrashTests
{
    [Fact]
    public async Task A_consumer_killed_with_SIGKILL_and_restarted_applies_every_message_exactly_once()
    {
        using var database = new TempDatabase();
        int killAt = Random.Shared.Next(500, 8_000);

        using (Process child = StartChild("produce", database))
        using (KillOnExit(child))
        {
            string? line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal("sent", line);

            // Kill it mid-stream: once at least killAt effects are committed.
            DateTime deadline = DateTime.UtcNow.AddSeconds(60);
            while (Effects(database) < killAt)
            {
                if (child.HasExited)
                {
                    Assert.Fail($"The child exited early ({child.ExitCode}): {await child.StandardError.ReadToEndAsync()}");
                }

                Assert.True(DateTime.UtcNow < deadline, "The child made no progress.");
                await Task.Delay(2);
            }

            child.Kill(); // SIGKILL on Unix: no drain, no finally, no disposal
            await child.WaitForExitAsync();
        }

        long applied = Effects(database);
        TestContext.Current.TestOutputHelper?.WriteLine($"killed at {applied} of {CrashChild.Messages} effects (target {killAt})");
        Assert.InRange(applied, killAt, CrashChild.Messages - 1); // killed part-way, not after the end
        Assert.True(database.Scalar("SELECT COUNT(*) FROM contracts_queue") > 0);

        using (Process child = StartChild("drain", database))
        using (KillOnExit(child))
        {
            string output = await child.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(90));
            await child.WaitForExitAsync();
            Assert.True(child.ExitCode == 0, $"drain exited {child.ExitCode}: {output} {await child.StandardError.ReadToEndAsync()}");
        }

        Assert.Equal(CrashChild.Messages, database.Scalar("SELECT COUNT(*) FROM effects"));          // nothing applied twice
        Assert.Equal(CrashChild.Messages, database.Scalar("SELECT COUNT(DISTINCT n) FROM effects")); // nothing lost
        Assert.Equal(0, database.Scalar("SELECT MIN(n) FROM effects"));
        Assert.Equal(CrashChild.Messages - 1, database.Scalar("SELECT MAX(n) FROM effects"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
        Assert.Equal(CrashChild.Messages, database.Scalar("SELECT COUNT(*) FROM contracts_inbox"));
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_dead_letters"));
    }

    [Fact]
    public async Task A_message_whose_handler_fails_fast_is_dead_lettered_after_the_allowed_crashes_and_the_one_behind_it_is_handled()
    {
        using var database = new TempDatabase();
        var crashes = new List<string>();
        (int exit, string output, string error) run = await RunChildAsync("loop-send", database);
        while (run.exit != 0)
        {
            Assert.Contains("fatal 0 takes the process down", run.error, StringComparison.Ordinal);
            crashes.Add(run.output);
            Assert.True(crashes.Count <= CrashLoopChild.MaxUnfinishedDeliveries, $"Still crashing after {crashes.Count} runs.");
            run = await RunChildAsync("loop-drain", database);
        }

        // The run after the send and each restart until the count ran out crashed; the next dead-lettered it unhandled.
        Assert.Equal(CrashLoopChild.MaxUnfinishedDeliveries, crashes.Count);
        // The good message is handled once: in the last run, or in a crashed one when the crashed run's claim on the
        // fatal message had not run out yet when the next run claimed.
        string outputs = string.Join("", crashes) + run.output;
        Assert.Equal(1, outputs.Split('\n').Count(line => line == "handled 1"));
        Assert.DoesNotContain("handled 0", outputs, StringComparison.Ordinal);
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
        Assert.Equal(1, database.Scalar("SELECT COUNT(*) FROM contracts_dead_letters"));
        Assert.Equal((long)DeadLetterReason.CrashLoop, database.Scalar("SELECT reason FROM contracts_dead_letters"));
        Assert.Equal(CrashLoopChild.MaxUnfinishedDeliveries, database.Scalar("SELECT attempts FROM contracts_dead_letters"));
        Assert.Equal(1, database.Scalar(
            $"SELECT COUNT(*) FROM contracts_dead_letters WHERE exception_message LIKE '%delivered {CrashLoopChild.MaxUnfinishedDeliveries} times%FatalHandler%takes the process down%'"));
    }

    private static async Task<(int Exit, string Output, string Error)> RunChildAsync(string mode, TempDatabase database)
    {
        using Process child = StartChild(mode, database);
        using ChildGuard guard = KillOnExit(child);
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = await child.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (child.ExitCode, output, await error);
    }

    /// <summary>A failed assertion must not leave a child running.</summary>
    private static ChildGuard KillOnExit(Process child) => new(child);

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

    private static long Effects(TempDatabase database)
    {
        try
        {
            return database.Scalar("SELECT COUNT(*) FROM effects");
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0; // not created yet
        }
    }

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
}
