using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record Deposit([property: IdempotencyKey] int N, Guid AccountId, decimal Amount);

/// <summary>
/// Appends a deposit from an EffectivelyOnce handler, joined to its delivery's transaction; the first attempt of the
/// deposits the test names fails after the append, and a deposit of -1 (which the inline ledger refuses) is caught.
/// </summary>
public sealed class DepositHandler(IEventStore events, DepositPlan plan) : ICommandHandler<Deposit>
{
    public async ValueTask HandleAsync(Deposit command, MessageContext context, CancellationToken cancellationToken)
    {
        string stream = $"account-{command.AccountId}";
        try
        {
            await events.AppendAsync(stream, ExpectedVersion.Any, [new Deposited(command.AccountId, command.Amount)], AppendOptions.From(context), cancellationToken);
        }
        catch (InvalidOperationException refused) when (refused.Message.Contains("deposit -1 refused", StringComparison.Ordinal))
        {
            // The inline projection threw: the append and the projection's writes are undone, the delivery goes on.
            Interlocked.Increment(ref plan.Refused);
            await events.AppendAsync(stream, ExpectedVersion.Any, [new Deposited(command.AccountId, 0)], AppendOptions.From(context), cancellationToken);
        }

        if (context.Attempt == 1 && plan.FailFirstAttempt.Contains(command.N))
        {
            throw new InvalidOperationException($"deposit {command.N} fails after its append");
        }
    }
}

public sealed class DepositPlan
{
    public int Refused;

    public HashSet<int> FailFirstAttempt { get; } = [];
}

/// <summary>An inline projection's writes inside an EffectivelyOnce delivery commit with it, and only with it.</summary>
public sealed class InlineInDeliveryTests
{
    [Fact]
    public async Task An_inline_projection_run_by_an_append_in_a_delivery_commits_with_the_delivery_and_a_failed_attempt_leaves_nothing()
    {
        using var database = new TempDatabase();
        database.Execute(LedgerProjection.Schema);
        var plan = new DepositPlan();
        for (int n = 0; n < 60; n += 5)
        {
            plan.FailFirstAttempt.Add(n);
        }

        Guid account = Guid.NewGuid();
        await using SqliteBus host = await SqliteBus.StartAsync(
            database,
            s => s.AddSingleton(plan).AddSingleton(new DepositLog()),
            t => t.Endpoint<Deposit>(e =>
            {
                e.Delivery = DeliveryMode.EffectivelyOnce;
                e.MaxConcurrency = 4;
                e.Retry.ImmediateRetries = 1;
            }),
            s => s.BusyTimeout = TimeSpan.FromSeconds(10),
            o => o.Projections.Add<LedgerProjection>(ProjectionMode.Inline));
        IEventStore events = host.Get<IEventStore>();
        await events.AppendAsync($"account-{account}", ExpectedVersion.NoStream, [new AccountOpened(account, "ada")]);

        decimal expected = 0;
        for (int n = 0; n < 60; n++)
        {
            decimal amount = n == 17 ? -1 : n + 1;
            expected += amount == -1 ? 0 : amount;
            await host.Bus.SendAsync(new Deposit(n, account, amount));
        }

        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_inbox") == 60, "every deposit is handled");
        Assert.Equal(0, database.Scalar("SELECT COUNT(*) FROM contracts_dead_letters"));
        Assert.Equal(1, plan.Refused);

        // One event per deposit (the failed attempts' appends and the refused one rolled back), each projected once.
        Assert.Equal(61, (await events.GetStreamAsync($"account-{account}")).Version);
        Assert.Equal(61, database.Scalar("SELECT events FROM ledger"));
        Assert.Equal(expected, (decimal)database.Scalar("SELECT balance FROM ledger"));
    }
}
