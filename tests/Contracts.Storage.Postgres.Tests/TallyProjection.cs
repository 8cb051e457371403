using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>The tally's table, qualified by the test's schema.</summary>
public sealed record TallyTable(string Schema)
{
    public string Name => $"\"{Schema}\".tally";

    public string CreateSql => $"CREATE SCHEMA IF NOT EXISTS \"{Schema}\"; CREATE TABLE IF NOT EXISTS {Name} (member uuid PRIMARY KEY, total bigint NOT NULL, events bigint NOT NULL)";
}

/// <summary>Stops the tally's step at an event of <see cref="StopAt"/> points until the test lets it go (once).</summary>
public sealed class TallyGate
{
    public int StopAt { get; init; } = -1;

    public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Go { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Points per member, written in the projection's transaction. Deliberately not idempotent (each event adds its points
/// and counts one more event): an event projected twice, or lost, shows in the totals.
/// </summary>
[Projection(Name = "tally")]
public sealed partial class TallyProjection(TallyTable table, TallyGate gate) : IProjection<PointsEarned>, IRebuildableProjection
{
    public async ValueTask ProjectAsync(PointsEarned e, ProjectionContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using (var upsert = new NpgsqlCommand(
            $"INSERT INTO {table.Name} AS t (member, total, events) VALUES ($1, $2, 1) ON CONFLICT (member) DO UPDATE SET total = t.total + excluded.total, events = t.events + 1",
            transaction.Connection,
            transaction))
        {
            upsert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.MemberId });
            upsert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Points });
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (e.Points == gate.StopAt)
        {
            gate.Reached.TrySetResult();
            await gate.Go.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask ResetAsync(ProjectionContext context, CancellationToken cancellationToken)
    {
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using var delete = new NpgsqlCommand($"DELETE FROM {table.Name}", transaction.Connection, transaction);
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The tally as it stands: member, total, events.</summary>
    public static async Task<SortedDictionary<Guid, (long Total, long Events)>> ReadAsync(TallyTable table)
    {
        var rows = new SortedDictionary<Guid, (long, long)>();
        await using NpgsqlConnection connection = await PostgresServer.OpenAsync();
        await using var select = new NpgsqlCommand($"SELECT member, total, events FROM {table.Name}", connection);
        await using NpgsqlDataReader reader = await select.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }

        return rows;
    }

    /// <summary>
    /// Appends <paramref name="appends"/> appends of <paramref name="perAppend"/> events over <paramref name="members"/>
    /// members (deterministic ids from <paramref name="seed"/>); returns what the tally must then hold for them.
    /// </summary>
    public static async Task<SortedDictionary<Guid, (long Total, long Events)>> AppendAsync(IEventStore events, int members, int appends, int perAppend, int seed)
    {
        var expected = new SortedDictionary<Guid, (long, long)>();
        var batch = new IEvent[perAppend];
        for (int a = 0; a < appends; a++)
        {
            var member = new Guid(seed, (short)(a % members), 0, new byte[8]);
            (long total, long count) = expected.GetValueOrDefault(member);
            for (int i = 0; i < perAppend; i++)
            {
                int points = 2 + ((a + i) % 7); // never 13 (PointsProjection's refusal) nor a test's gate
                batch[i] = new PointsEarned(member, points);
                total += points;
            }

            await events.AppendAsync($"member-{member}", ExpectedVersion.Any, batch);
            expected[member] = (total, count + perAppend);
        }

        return expected;
    }
}
