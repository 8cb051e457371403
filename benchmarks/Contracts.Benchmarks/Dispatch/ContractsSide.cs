using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts;

namespace Contracts.Benchmarks.Dispatch;

[Command]
public partial record CreateInvoice([property: IdempotencyKey] Guid InvoiceId, decimal Amount);

[Event]
public partial record InvoiceCreated([property: IdempotencyKey] Guid InvoiceId, decimal Amount);

[Query]
public partial record GetInvoiceTotal(Guid InvoiceId) : IQuery<decimal>;

public sealed class CreateInvoiceHandler(BatchCompletion completion) : ICommandHandler<CreateInvoice>
{
    public ValueTask HandleAsync(CreateInvoice command, MessageContext context, CancellationToken cancellationToken)
    {
        completion.Signal();
        return ValueTask.CompletedTask;
    }
}

public sealed class InvoiceMailer(BatchCompletion completion) : IEventHandler<InvoiceCreated>
{
    public ValueTask HandleAsync(InvoiceCreated @event, MessageContext context, CancellationToken cancellationToken)
    {
        completion.Signal();
        return ValueTask.CompletedTask;
    }
}

public sealed class InvoiceLedger(BatchCompletion completion) : IEventHandler<InvoiceCreated>
{
    public ValueTask HandleAsync(InvoiceCreated @event, MessageContext context, CancellationToken cancellationToken)
    {
        completion.Signal();
        return ValueTask.CompletedTask;
    }
}

public sealed class InvoiceAudit(BatchCompletion completion) : IEventHandler<InvoiceCreated>
{
    public ValueTask HandleAsync(InvoiceCreated @event, MessageContext context, CancellationToken cancellationToken)
    {
        completion.Signal();
        return ValueTask.CompletedTask;
    }
}

public sealed class GetInvoiceTotalHandler : IQueryHandler<GetInvoiceTotal, decimal>
{
    public ValueTask<decimal> HandleAsync(GetInvoiceTotal query, MessageContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(42m);
}

[Query]
public partial record GetInvoiceTotalLater(Guid InvoiceId) : IQuery<decimal>;

/// <summary>Suspends once before answering: the inline query's slow path (its timeout armed, state machines, a task).</summary>
public sealed class GetInvoiceTotalLaterHandler : IQueryHandler<GetInvoiceTotalLater, decimal>
{
    public async ValueTask<decimal> HandleAsync(GetInvoiceTotalLater query, MessageContext context, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return 42m;
    }
}
