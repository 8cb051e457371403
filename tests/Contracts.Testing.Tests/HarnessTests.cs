using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Contracts.Testing.Tests;

[Command] public partial record OpenAccount([property: IdempotencyKey] Guid AccountId, int Fails);
[Event] public partial record AccountOpened([property: IdempotencyKey] Guid AccountId);
[Command] public partial record Welcome([property: IdempotencyKey] Guid AccountId);
[Command] public partial record Stall([property: IdempotencyKey] Guid Id);
[Query] public partial record GetBalance(Guid AccountId) : IQuery<int>;

/// <summary>What one test's handlers did, from DI: every test builds its own.</summary>
public sealed class Ledger
{
    public ConcurrentQueue<string> Steps { get; } = new();

    public ConcurrentDictionary<Guid, int> Attempts { get; } = new();

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

public sealed class AccountHandlers(Ledger ledger) : ICommandHandler<OpenAccount>, ICommandHandler<Welcome>, IQueryHandler<GetBalance, int>, ICommandHandler<Stall>
{
    public async ValueTask HandleAsync(OpenAccount command, MessageContext context, CancellationToken cancellationToken)
    {
        if (ledger.Attempts.AddOrUpdate(command.AccountId, 1, (_, n) => n + 1) <= command.Fails)
        {
            throw new InvalidOperationException($"attempt {context.Attempt} fails");
        }

        await Task.Delay(20, cancellationToken); // the work takes a while: a harness that does not wait would see none of what follows
        ledger.Steps.Enqueue("opened");
        await context.PublishAsync(new AccountOpened(command.AccountId), cancellationToken);
    }

    public async ValueTask HandleAsync(Welcome command, MessageContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken);
        ledger.Steps.Enqueue("welcomed");
    }

    public ValueTask<int> HandleAsync(GetBalance query, MessageContext context, CancellationToken cancellationToken) => ValueTask.FromResult(ledger.Steps.Count);

    public async ValueTask HandleAsync(Stall command, MessageContext context, CancellationToken cancellationToken) =>
        await ledger.Release.Task.WaitAsync(cancellationToken);
}

[Idempotent]
public sealed class AccountOpenedMailer(Ledger ledger) : IEventHandler<AccountOpened>
{
    public async ValueTask HandleAsync(AccountOpened @event, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Steps.Enqueue("mailed");
        await context.SendAsync(new Welcome(@event.AccountId), cancellationToken);
    }
}

/// <summary>Takes a logger, as most handlers do: the harness resolves it although no test registers logging.</summary>
[Idempotent]
public sealed class AccountOpenedAudit(Ledger ledger, ILogger<AccountOpenedAudit> logger) : IEventHandler<AccountOpened>
{
    public ValueTask HandleAsync(AccountOpened @event, MessageContext context, CancellationToken cancellationToken)
    {
        logger.LogInformation("auditing {AccountId}", @event.AccountId);
        ledger.Steps.Enqueue("audited");
        return ValueTask.CompletedTask;
    }
}

public sealed class HarnessTests
{
    private static Task<ContractsTestHarness> StartAsync(Ledger ledger, Action<ContractsOptions>? configure = null) =>
        ContractsTestHarness.StartAsync(s => s.AddSingleton(ledger), configure);

    [Fact]
    public async Task WhenIdle_waits_for_the_whole_cascade_a_send_started()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger);
        Guid id = Guid.NewGuid();

        await harness.Bus.SendAsync(new OpenAccount(id, Fails: 0));
        await harness.WhenIdleAsync();

        Assert.Equal(["audited", "mailed", "opened", "welcomed"], ledger.Steps.Order(StringComparer.Ordinal));
        Assert.Equal([new OpenAccount(id, 0)], harness.Handled<OpenAccount>());
        Assert.Equal(2, harness.Handled<AccountOpened>().Count); // once per subscription
        Assert.Equal([new Welcome(id)], harness.Handled<Welcome>());
        Assert.Equal([new OpenAccount(id, 0)], harness.SentOf<OpenAccount>());
        Assert.Equal([new AccountOpened(id)], harness.SentOf<AccountOpened>()); // one envelope for both subscriptions
    }

    [Fact]
    public async Task Sent_messages_carry_their_conversation()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger);
        Guid correlation = Guid.NewGuid();

        await harness.Bus.SendAsync(new OpenAccount(Guid.NewGuid(), 0), new SendOptions { CorrelationId = correlation });
        await harness.WhenIdleAsync();

        Assert.Equal(3, harness.Sent.Count);
        Assert.All(harness.Sent, m => Assert.Equal(correlation, m.CorrelationId));
        Assert.Null(harness.Sent[0].CausationId);
        Assert.NotNull(harness.Sent[1].CausationId);
    }

    [Fact]
    public async Task A_delayed_retry_stays_pending_until_its_last_attempt()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger, o => o.UseInMemoryTransport(t =>
            t.Endpoint<OpenAccount>(e => { e.Retry.DelayedRetries = 2; e.Retry.Delay = TimeSpan.FromMilliseconds(100); })));
        Guid id = Guid.NewGuid();

        await harness.Bus.SendAsync(new OpenAccount(id, Fails: 2));
        await harness.WhenIdleAsync();

        Assert.Equal(3, ledger.Attempts[id]);
        Assert.Equal([new OpenAccount(id, 2)], harness.Handled<OpenAccount>());
        Assert.Equal([new Welcome(id)], harness.Handled<Welcome>());
    }

    [Fact]
    public async Task A_message_that_fails_every_attempt_is_recorded_as_dead_lettered_with_its_reason()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger, o => o.UseInMemoryTransport(t =>
            t.Endpoint<OpenAccount>(e => e.Retry.ImmediateRetries = 1)));
        Guid id = Guid.NewGuid();

        await harness.Bus.SendAsync(new OpenAccount(id, Fails: 5));
        await harness.WhenIdleAsync();

        Assert.Equal([new OpenAccount(id, 5)], harness.DeadLettered<OpenAccount>());
        Assert.Empty(harness.Handled<OpenAccount>());
        HarnessDelivery dead = Assert.Single(harness.Deliveries);
        Assert.Equal(HarnessOutcome.DeadLettered, dead.Outcome);
        Assert.Contains("attempt 2 fails", dead.DeadLetterReason, StringComparison.Ordinal);
        Assert.Equal(2, ledger.Attempts[id]);
    }

    [Fact]
    public async Task Queries_are_answered_and_recorded()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger);
        await harness.Bus.SendAsync(new OpenAccount(Guid.NewGuid(), 0));
        await harness.WhenIdleAsync();

        int balance = await harness.Bus.QueryAsync(new GetBalance(Guid.NewGuid()));
        await harness.WhenIdleAsync();

        Assert.Equal(4, balance);
        Assert.Single(harness.Handled<GetBalance>());
    }

    [Fact]
    public async Task WhenIdle_times_out_naming_the_delivery_still_pending()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger);
        Guid id = Guid.NewGuid();
        await harness.Bus.SendAsync(new Stall(id));

        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(() => harness.WhenIdleAsync(TimeSpan.FromMilliseconds(300)));

        Assert.Contains("1 deliveries are still pending", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Stall", ex.Message, StringComparison.Ordinal);
        ledger.Release.TrySetResult();
        await harness.WhenIdleAsync();
        Assert.Single(harness.Handled<Stall>());
    }

    [Fact]
    public async Task An_idle_harness_is_idle_at_once_and_a_send_makes_it_busy_again()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger);
        await harness.WhenIdleAsync(TimeSpan.FromSeconds(1));

        await harness.Bus.SendAsync(new Stall(Guid.NewGuid()));
        Task idle = harness.WhenIdleAsync();

        Assert.False(idle.IsCompleted);
        ledger.Release.TrySetResult();
        await idle;
    }

    [Fact]
    public async Task WaitForHandled_completes_with_the_matching_message_whether_it_was_handled_before_or_after_the_call()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger);
        Guid first = Guid.NewGuid(), second = Guid.NewGuid();
        await harness.Bus.SendAsync(new OpenAccount(first, 0));
        await harness.WhenIdleAsync();

        Welcome before = await harness.WaitForHandledAsync<Welcome>(w => w.AccountId == first, TimeSpan.FromSeconds(1));
        Task<Welcome> after = harness.WaitForHandledAsync<Welcome>(w => w.AccountId == second);
        Assert.False(after.IsCompleted);
        await harness.Bus.SendAsync(new OpenAccount(second, 0));

        Assert.Equal(new Welcome(first), before);
        Assert.Equal(new Welcome(second), await after);
    }

    [Fact]
    public async Task WaitForHandled_times_out_saying_what_was_handled()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger);
        await harness.Bus.SendAsync(new OpenAccount(Guid.NewGuid(), 0));
        await harness.WhenIdleAsync();

        TimeoutException ex = await Assert.ThrowsAsync<TimeoutException>(() => harness.WaitForHandledAsync<Welcome>(w => w.AccountId == Guid.Empty, TimeSpan.FromMilliseconds(200)));

        Assert.Contains("No Welcome that matches was handled", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1 Welcome handled", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_predicate_that_throws_fails_the_wait_and_not_the_delivery()
    {
        var ledger = new Ledger();
        await using ContractsTestHarness harness = await StartAsync(ledger);
        Task<Welcome> wait = harness.WaitForHandledAsync<Welcome>(_ => throw new FormatException("bad predicate"));

        await harness.Bus.SendAsync(new OpenAccount(Guid.NewGuid(), 0));
        await harness.WhenIdleAsync();

        FormatException ex = await Assert.ThrowsAsync<FormatException>(() => wait);
        Assert.Equal("bad predicate", ex.Message);
        Assert.Single(harness.Handled<Welcome>());
    }
}
