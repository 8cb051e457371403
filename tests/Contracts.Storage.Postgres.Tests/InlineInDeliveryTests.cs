using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests;

[Command] public partial record AwardPoints([property: IdempotencyKey] int N, Guid MemberId, int Points);

/// <summary>
/// Awards points from an EffectivelyOnce handler, appending in its delivery's transaction; an award the read model's
/// table refuses (an SQL error, which would abort the whole transaction without the append's savepoint) is caught and
/// replaced by one point; the first attempt of the awards the test names fails after its append.
/// </summary>
public sealed class AwardPointsHandler(IEventStore events, AwardPlan plan) : ICommandHandler<AwardPoints>
{
    public async ValueTask HandleAsync(AwardPoints command, MessageContext context, CancellationToken cancellationToken)
    {
        string stream = $"member-{command.MemberId}";
        try
        {
            await events.AppendAsync(stream, ExpectedVersion.Any, [new PointsEarned(command.MemberId, command.Points)], AppendOptions.From(context), cancellationToken);
        }
        catch (PostgresException refused) when (refused.SqlState == PostgresErrorCodes.CheckViolation)
        {
            Interlocked.Increment(ref plan.Refused);
            await events.AppendAsync(stream, ExpectedVersion.Any, [new PointsEarned(command.MemberId, 1)], AppendOptions.From(context), cancellationToken);
        }

        if (context.Attempt == 1 && plan.FailFirstAttempt.Contains(command.N))
        {
            throw new InvalidOperationException($"award {command.N} fails after its append");
        }
    }
}

public sealed class AwardPlan
{
    public int Refused;

    public HashSet<int> FailFirstAttempt { get; } = [];
}

/// <summary>An inline projection's writes inside an EffectivelyOnce delivery on PostgreSQL commit with it, and only with it.</summary>
public sealed class InlineInDeliveryTests
{
    [Fact]
    public async Task An_inline_projection_in_a_delivery_commits_with_it_and_an_SQL_error_the_handler_catches_undoes_only_that_append()
    {
        string schema = PostgresServer.NewSchema();
        try
        {
            await PostgresServer.ExecuteAsync(
                $"CREATE SCHEMA IF NOT EXISTS {schema}; CREATE TABLE {schema}.points (member uuid PRIMARY KEY, total bigint NOT NULL CHECK (total <= 100000), events bigint NOT NULL)");
            var plan = new AwardPlan();
            for (int n = 0; n < 40; n += 4)
            {
                plan.FailFirstAttempt.Add(n);
            }

            var member = Guid.NewGuid();
            await using PostgresBus host = await PostgresBus.StartAsync(
                schema,
                s => s.AddSingleton(new PointsTable($"{schema}.points")).AddSingleton(plan),
                t => t.Endpoint<AwardPoints>(e =>
                {
                    e.Delivery = DeliveryMode.EffectivelyOnce;
                    e.MaxConcurrency = 4;
                    e.Retry.ImmediateRetries = 1;
                }),
                o => o.Projections.Add<PointsProjection>(ProjectionMode.Inline));

            long expected = 0;
            for (int n = 0; n < 40; n++)
            {
                int points = n == 21 ? 1_000_000 : 2 * (n + 1); // even: never the 13 the projection refuses
                expected += n == 21 ? 1 : points;
                await host.Bus.SendAsync(new AwardPoints(n, member, points));
            }

            await Wait.UntilAsync(async () => await PostgresServer.ScalarAsync($"SELECT COUNT(*) FROM {schema}.inbox") == 40, "every award is handled");
            Assert.Equal(0, await PostgresServer.ScalarAsync($"SELECT COUNT(*) FROM {schema}.dead_letters"));
            Assert.Equal(1, plan.Refused);

            // One event per award (the failed attempts' appends and the refused one rolled back), each projected once.
            IEventStore events = host.Get<IEventStore>();
            Assert.Equal(40, (await events.GetStreamAsync($"member-{member}")).Version);
            Assert.Equal(40, await PostgresServer.ScalarAsync($"SELECT events FROM {schema}.points"));
            Assert.Equal(expected, await PostgresServer.ScalarAsync($"SELECT total FROM {schema}.points"));
        }
        finally
        {
            await PostgresServer.DropSchemaAsync(schema);
        }
    }
}
