using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>
/// The child of <see cref="ProjectionCrashTests"/>, a real process over the test's SQLite file: <c>projection-produce</c>
/// appends the log (deterministic accounts and deposits) and projects it; <c>projection-rebuild</c> rebuilds the ledger
/// slowly (small batches) and is killed midway; <c>projection-resume-slow</c> lets the daemon go on from the checkpoint,
/// as slowly, and is killed midway too; <c>projection-resume</c> only runs the daemon, which goes on from the
/// saved checkpoint, and says <c>caught-up</c>; <c>projection-clean</c> rebuilds to the end and says <c>rebuilt</c>.
/// </summary>
internal static class ProjectionCrashChild
{
    public const int Accounts = 50;
    public const int Deposits = 6_000; // two events each: 12,050 events

    public static async Task<int> RunAsync(string mode, string database)
    {
        int batch = mode is "projection-rebuild" or "projection-resume-slow" ? 7 : 200;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(new DepositLog());
        builder.Services.AddContracts(o =>
        {
            o.UseInMemoryTransport().UseSqlite($"Data Source={database}", s => s.Synchronous = SqliteSynchronous.Normal);
            o.Projections.Add<LedgerProjection>(ProjectionMode.Async, p => p.BatchSize = batch);
            o.ClaimDuration = TimeSpan.FromSeconds(2); // a killed child's lease runs out soon: the next one takes over
        });
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}"))
        {
            connection.Open();
            using Microsoft.Data.Sqlite.SqliteCommand create = connection.CreateCommand();
            create.CommandText = LedgerProjection.Schema;
            create.ExecuteNonQuery();
        }

        using IHost host = builder.Build();
        await host.StartAsync();
        IEventStore events = host.Services.GetRequiredService<IEventStore>();
        IProjections projections = host.Services.GetRequiredService<IProjections>();
        switch (mode)
        {
            case "projection-produce":
                var ids = new Guid[Accounts];
                var records = new IEvent[1];
                for (int i = 0; i < Accounts; i++)
                {
                    ids[i] = new Guid(i + 1, 0, 0, new byte[8]);
                    records[0] = new AccountOpened(ids[i], "owner" + i);
                    await events.AppendAsync($"account-{ids[i]}", ExpectedVersion.NoStream, records);
                }

                for (int d = 0; d < Deposits; d++)
                {
                    Guid id = ids[(d * 7) % Accounts];
                    await events.AppendAsync($"account-{id}", ExpectedVersion.Any, [new Deposited(id, d + 1), new Deposited(id, 0.25m)]);
                }

                await projections.WaitForAsync("ledger", await events.ReadHeadPositionAsync());
                Console.WriteLine("produced");
                break;
            case "projection-rebuild":
                Console.WriteLine("started");
                await projections.RebuildAsync("ledger");
                Console.WriteLine("rebuilt"); // the test kills it before this
                await Task.Delay(Timeout.Infinite);
                break;
            case "projection-resume-slow":
                Console.WriteLine("started"); // the daemon goes on from the checkpoint; the test kills it midway
                await Task.Delay(Timeout.Infinite);
                break;
            case "projection-resume":
                await projections.WaitForAsync("ledger", await events.ReadHeadPositionAsync());
                Console.WriteLine("caught-up");
                break;
            case "projection-clean":
                await projections.RebuildAsync("ledger");
                Console.WriteLine("rebuilt");
                break;
            default:
                await Console.Error.WriteLineAsync($"unknown mode {mode}");
                return 2;
        }

        await host.StopAsync();
        return 0;
    }

    /// <summary>The balance every account must end with: what the producer appended.</summary>
    public static decimal ExpectedBalance(int account)
    {
        decimal total = 0;
        for (int d = 0; d < Deposits; d++)
        {
            if ((d * 7) % Accounts == account)
            {
                total += d + 1.25m;
            }
        }

        return total;
    }
}
