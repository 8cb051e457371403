using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Tool.Tests;

/// <summary>The command the dead-letter tests fail: its handler throws while <see cref="Ledger.Failing"/> is set.</summary>
[Command(Name = "tooltests.charge-card")]
public partial record ChargeCard([property: IdempotencyKey] Guid PaymentId, decimal Amount, string Currency);

/// <summary>An event with a pinned member, a member set in the body and a computed one, for the catalog.</summary>
[Event(Name = "tooltests.card-charged", Version = 2)]
public partial record CardCharged(Guid PaymentId, [MemberIndex(3)] string? Receipt, IReadOnlyList<int> Lines)
{
    public int Points { get; init; }

    public string Summary => $"{PaymentId}: {Points}";
}

/// <summary>A query, with its result, for the catalog.</summary>
[Query]
public partial record FindPayment(Guid PaymentId, DateTimeOffset? Since) : IQuery<PaymentView>;

/// <summary>The result of <see cref="FindPayment"/>.</summary>
public sealed record PaymentView(Guid PaymentId, decimal Amount);

/// <summary>What the handlers did, shared by every bus of a test.</summary>
public sealed class Ledger
{
    public volatile bool Failing = true;

    public ConcurrentDictionary<Guid, int> Attempts { get; } = new();

    /// <summary>Successful handlings per payment, and which bus handled it.</summary>
    public ConcurrentDictionary<Guid, int> Handled { get; } = new();

    public ConcurrentQueue<string> HandledBy { get; } = new();

    public int HandledCount(Guid id) => Handled.TryGetValue(id, out int n) ? n : 0;
}

/// <summary>The name of the bus a handler runs in (one per host).</summary>
public sealed record BusName(string Name);

public sealed class ChargeCardHandler(Ledger ledger, BusName bus) : ICommandHandler<ChargeCard>
{
    public ValueTask HandleAsync(ChargeCard command, MessageContext context, CancellationToken cancellationToken)
    {
        ledger.Attempts.AddOrUpdate(command.PaymentId, 1, static (_, n) => n + 1);
        if (ledger.Failing)
        {
            throw new InvalidOperationException($"Card declined for payment {command.PaymentId} (test).");
        }

        ledger.Handled.AddOrUpdate(command.PaymentId, 1, static (_, n) => n + 1);
        ledger.HandledBy.Enqueue($"{bus.Name}:{command.PaymentId}");
        return ValueTask.CompletedTask;
    }
}

[Idempotent]
public sealed class CardChargedHandler : IEventHandler<CardCharged>
{
    public ValueTask HandleAsync(CardCharged message, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

public sealed class FindPaymentHandler : IQueryHandler<FindPayment, PaymentView>
{
    public ValueTask<PaymentView> HandleAsync(FindPayment query, MessageContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new PaymentView(query.PaymentId, 0m));
}
