using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests;

[Event] public partial record PointsEarned(Guid MemberId, int Points);

/// <summary>A read model in the store's database (table <c>points</c> in the test's schema), written in the projection's transaction; 13 points throw.</summary>
/// <summary>The read model's table, qualified by the test's schema.</summary>
public sealed record PointsTable(string Name);

[Projection(Name = "points")]
public sealed partial class PointsProjection(PointsTable table) : IProjection<PointsEarned>, IRebuildableProjection
{
    public async ValueTask ProjectAsync(PointsEarned e, ProjectionContext context, CancellationToken cancellationToken)
    {
        if (e.Points == 13)
        {
            throw new InvalidOperationException("13 points refused");
        }

        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using var upsert = new NpgsqlCommand(
            $"INSERT INTO {table.Name} AS p (member, total, events) VALUES ($1, $2, 1) ON CONFLICT (member) DO UPDATE SET total = p.total + excluded.total, events = p.events + 1",
            transaction.Connection, transaction);
        upsert.Parameters.Add(new NpgsqlParameter { Value = e.MemberId });
        upsert.Parameters.Add(new NpgsqlParameter { Value = (long)e.Points });
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask ResetAsync(ProjectionContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using var delete = new NpgsqlCommand($"DELETE FROM {table.Name}", transaction.Connection, transaction);
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Projections on PostgreSQL: inline with the append, asynchronous across processes woken by NOTIFY, rebuilt.</summary>
public sealed class ProjectionTests
{
    private static async Task<PostgresBus> StartAsync(string schema, ProjectionMode mode, TimeSpan? poll = null, bool daemon = true)
    {
        await PostgresServer.ExecuteAsync($"CREATE SCHEMA IF NOT EXISTS {schema}; CREATE TABLE IF NOT EXISTS {schema}.points (member uuid PRIMARY KEY, total bigint NOT NULL, events bigint NOT NULL)");
        return await PostgresBus.StartAsync(schema, services: s => s.AddSingleton(new PointsTable($"{schema}.points")), options: o =>
        {
            o.Projections.Add<PointsProjection>(mode, p => (p.BatchSize, p.RunDaemon) = (10, daemon));
            o.EventPollInterval = poll ?? TimeSpan.FromMilliseconds(100);
        });
    }

    private static Task<long> TotalAsync(string schema) => PostgresServer.ScalarAsync($"SELECT COALESCE(SUM(total), 0) FROM {schema}.points");

    [Fact]
    public async Task An_inline_projection_commits_with_the_append_and_one_that_throws_stores_nothing()
    {
        string schema = PostgresServer.NewSchema();
        try
        {
            await using PostgresBus host = await StartAsync(schema, ProjectionMode.Inline);
            IEventStore events = host.Get<IEventStore>();
            var member = Guid.NewGuid();
            await events.AppendAsync($"member-{member}", ExpectedVersion.NoStream, [new PointsEarned(member, 5), new PointsEarned(member, 7)]);
            Assert.Equal(12, await TotalAsync(schema));

            await Assert.ThrowsAsync<InvalidOperationException>(async () =>
                await events.AppendAsync($"member-{member}", ExpectedVersion.Exactly(2), [new PointsEarned(member, 1), new PointsEarned(member, 13)]));

            Assert.Equal(12, await TotalAsync(schema));
            Assert.Equal(2, await events.ReadHeadPositionAsync());
            await events.AppendAsync($"member-{member}", ExpectedVersion.Exactly(2), [new PointsEarned(member, 1)]);
            Assert.Equal(3, await events.ReadHeadPositionAsync()); // the rolled-back append gave its positions back
        }
        finally
        {
            await PostgresServer.DropSchemaAsync(schema);
        }
    }

    [Fact]
    public async Task Another_process_appends_and_the_daemon_is_woken_by_notify_and_projects_each_event_once()
    {
        string schema = PostgresServer.NewSchema();
        try
        {
            // The daemon's bus polls once an hour: only the NOTIFY of the other bus's appends can wake it in time.
            await using PostgresBus daemon = await StartAsync(schema, ProjectionMode.Async, poll: TimeSpan.FromHours(1));
            await using PostgresBus writer = await StartAsync(schema, ProjectionMode.Async, daemon: false);
            IEventStore events = writer.Get<IEventStore>();
            using var timeout = new CancellationTokenSource(PostgresBus.Timeout);
            await daemon.Get<IProjections>().WaitForAsync("points", 0, timeout.Token);
            while (!daemon.Store.Listening)
            {
                await Task.Delay(10, timeout.Token);
            }

            long expected = 0;
            for (int i = 1; i <= 30; i++)
            {
                var member = Guid.NewGuid();
                // Even amounts: never the 13 points the projection refuses.
                await events.AppendAsync($"member-{member}", ExpectedVersion.NoStream, [new PointsEarned(member, 2 * i), new PointsEarned(member, 100)]);
                expected += (2 * i) + 100;
            }

            long head = await events.ReadHeadPositionAsync();
            await daemon.Get<IProjections>().WaitForAsync("points", head, timeout.Token);
            Assert.Equal(expected, await TotalAsync(schema));
            Assert.Equal(head, await PostgresServer.ScalarAsync($"SELECT SUM(events) FROM {schema}.points"));

            await PostgresServer.ExecuteAsync($"UPDATE {schema}.points SET total = 0");
            Assert.Equal(head, await writer.Get<IProjections>().RebuildAsync("points", timeout.Token)); // replayed in the writer: it runs no daemon
            Assert.Equal(expected, await TotalAsync(schema));
        }
        finally
        {
            await PostgresServer.DropSchemaAsync(schema);
        }
    }
}
