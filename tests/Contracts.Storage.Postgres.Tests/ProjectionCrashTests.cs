using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// An asynchronous projection on PostgreSQL killed with SIGKILL: midway through a rebuild, and again while a daemon
/// resumes it, it goes on from its checkpoint each time; and of two processes running its daemon, the one holding the
/// lease is killed and the other takes the lease over and finishes. Each time the tally ends identical to a clean
/// rebuild, with nothing applied twice: each batch's rows, its lease check and its checkpoint commit together.
/// </summary>
public sealed class ProjectionCrashTests : IAsyncLifetime
{
    private const int Members = 40;
    private const int Appends = 750;
    private const int PerAppend = 4; // 3,000 events

    private readonly string _schema = PostgresServer.NewSchema("projcrash");
    private readonly List<Process> _children = [];

    private TallyTable Table => new(_schema);

    public async ValueTask InitializeAsync() => await PostgresServer.ExecuteAsync(Table.CreateSql);

    public async ValueTask DisposeAsync()
    {
        foreach (Process child in _children)
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }

            child.Dispose();
        }

        await PostgresServer.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task A_rebuild_killed_midway_resumes_and_ends_identical_to_a_clean_rebuild()
    {
        (long head, SortedDictionary<Guid, (long, long)> expected) = await ProduceAsync();
        await PostgresServer.ExecuteAsync($"INSERT INTO {Table.Name} VALUES (gen_random_uuid(), 1, 1)"); // damage: the rebuild must remove it

        // First the rebuild itself, then a daemon that resumes it (both in small batches): both killed midway.
        long previous = 0;
        foreach (string mode in (string[])["projection-rebuild", "projection-daemon"])
        {
            Process child = await StartChildAsync(mode);
            long target = previous == 0 ? Random.Shared.NextInt64(head / 10, head * 4 / 10) : Random.Shared.NextInt64(previous + 50, previous + ((head - previous) / 2));
            long checkpoint = 0;
            await Wait.UntilAsync(
                async () =>
                {
                    if (child.HasExited)
                    {
                        Assert.Fail($"the child exited early: {await child.StandardError.ReadToEndAsync()}");
                    }

                    checkpoint = await CheckpointAsync();
                    return (previous == 0 || checkpoint > previous) && checkpoint > target && checkpoint < head;
                },
                $"{mode} passes position {target}",
                TimeSpan.FromSeconds(60));
            child.Kill(); // SIGKILL: no drain, no release, no finally
            await child.WaitForExitAsync();
            long at = await CheckpointAsync();
            TestContext.Current.TestOutputHelper?.WriteLine($"{mode} killed at checkpoint {at} of {head}");
            Assert.InRange(at, previous + 1, head - 1); // the second run went on from the first's checkpoint
            previous = at;
        }

        // The next daemon takes the lease once the killed one's claim runs out, and goes on to the head.
        SortedDictionary<Guid, (long, long)> resumed = await RunDaemonToAsync(head);
        await using PostgresBus clean = await StartBusAsync(daemon: false);
        Assert.Equal(head, await clean.Get<IProjections>().RebuildAsync("tally"));

        Assert.Equal(await TallyProjection.ReadAsync(Table), resumed);
        Assert.Equal(expected, resumed);
    }

    [Fact]
    public async Task Of_two_processes_the_lease_holder_is_killed_and_the_other_takes_over_and_finishes_applying_nothing_twice()
    {
        (long head, SortedDictionary<Guid, (long, long)> expected) = await ProduceAsync();
        Process holder = await StartChildAsync("projection-daemon");
        await Wait.UntilAsync(async () => await LeaseHolderAsync() == holder.Id, "the first process takes the lease");
        Process standby = await StartChildAsync("projection-daemon");

        long target = Random.Shared.NextInt64(head / 10, head / 2);
        await Wait.UntilAsync(async () => await CheckpointAsync() > target, $"the holder passes position {target}", TimeSpan.FromSeconds(60));
        Assert.Equal(holder.Id, await LeaseHolderAsync()); // the standby never took it from a live holder
        holder.Kill(); // SIGKILL: the lease is not released, it runs out
        await holder.WaitForExitAsync();
        var killed = Stopwatch.StartNew();
        long atKill = await CheckpointAsync();

        await Wait.UntilAsync(async () => await LeaseHolderAsync() == standby.Id, "the standby takes the lease over", TimeSpan.FromSeconds(30));
        TimeSpan takenOver = killed.Elapsed;
        await Wait.UntilAsync(async () => await CheckpointAsync() == head, "the standby finishes", TimeSpan.FromSeconds(120));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"holder killed at checkpoint {atKill} of {head}; the standby took the lease {takenOver.TotalMilliseconds:F0} ms later and finished {killed.ElapsedMilliseconds} ms after the kill");

        // The lease runs out a claim after the last renewal (at most a third of it before the kill), and the standby asks
        // every third of it: taken within 1 1/3 claims of the kill, plus scheduling slack.
        TimeSpan bound = ProjectionCrashChild.ClaimDuration + (ProjectionCrashChild.ClaimDuration / 3) + TimeSpan.FromSeconds(2);
        Assert.True(takenOver <= bound, $"taken over {takenOver} after the kill; the lease allows {bound}");
        standby.StandardInput.Close(); // a clean stop
        await standby.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        SortedDictionary<Guid, (long, long)> finished = await TallyProjection.ReadAsync(Table);

        await using PostgresBus clean = await StartBusAsync(daemon: false);
        Assert.Equal(head, await clean.Get<IProjections>().RebuildAsync("tally"));
        Assert.Equal(await TallyProjection.ReadAsync(Table), finished);
        Assert.Equal(expected, finished);
    }

    /// <summary>Appends the log, with the tally registered but its daemon off: nothing is projected yet.</summary>
    private async Task<(long Head, SortedDictionary<Guid, (long, long)> Expected)> ProduceAsync()
    {
        await using PostgresBus producer = await StartBusAsync(daemon: false);
        IEventStore events = producer.Get<IEventStore>();
        SortedDictionary<Guid, (long, long)> expected = await TallyProjection.AppendAsync(events, Members, Appends, PerAppend, seed: 7);
        long head = await events.ReadHeadPositionAsync();
        Assert.Equal(Appends * PerAppend, head);
        return (head, expected);
    }

    private async Task<SortedDictionary<Guid, (long, long)>> RunDaemonToAsync(long head)
    {
        await using PostgresBus daemon = await StartBusAsync(daemon: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await daemon.Get<IProjections>().WaitForAsync("tally", head, timeout.Token);
        return await TallyProjection.ReadAsync(Table);
    }

    private Task<PostgresBus> StartBusAsync(bool daemon) =>
        PostgresBus.StartAsync(
            _schema,
            services: s => s.AddSingleton(Table).AddSingleton(new TallyGate()),
            options: o =>
            {
                o.ClaimDuration = ProjectionCrashChild.ClaimDuration;
                o.Projections.Add<TallyProjection>(ProjectionMode.Async, p => (p.BatchSize, p.RunDaemon) = (200, daemon));
            });

    private Task<long> CheckpointAsync() =>
        PostgresServer.ScalarAsync($"SELECT coalesce((SELECT position FROM \"{_schema}\".checkpoints WHERE subscription = 'tally'), 0)");

    /// <summary>The process id in the lease's owner (machine:pid:start), 0 when nobody holds it.</summary>
    private Task<long> LeaseHolderAsync() =>
        PostgresServer.ScalarAsync($"SELECT coalesce((SELECT split_part(owner, ':', 2)::bigint FROM \"{_schema}\".projection_leases WHERE subscription = 'tally' AND owner IS NOT NULL), 0)");

    private async Task<Process> StartChildAsync(string mode)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Contracts.Storage.Postgres.Tests.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        start.Environment[CrashChild.ModeVariable] = mode;
        start.Environment[CrashChild.SchemaVariable] = _schema;
        start.Environment[PostgresServer.Variable] = PostgresServer.ConnectionString;
        Process child = Process.Start(start) ?? throw new InvalidOperationException("Could not start a projection process.");
        _children.Add(child);
        string? line = await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(line == "started", $"The projection process did not start: {line} {(child.HasExited ? await child.StandardError.ReadToEndAsync() : "")}");
        return child;
    }
}
