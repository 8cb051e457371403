using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts;

namespace Contracts.Benchmarks.Dispatch;

/// <summary>Counts handled messages and completes when a batch is done.</summary>
public sealed class Completion
{
    private int _remaining;
    private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Arm(int expected)
    {
        _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _remaining, expected);
        return _done.Task;
    }

    public void Signal()
    {
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            _done.TrySetResult();
        }
    }
}

[Command]
public partial record CreateInvoice([property: IdempotencyKey] Guid InvoiceId, decimal Amount);

[Event]
public partial record InvoiceCreated([property: IdempotencyKey] Guid InvoiceId, decimal Amount);

[Query]
public partial record GetInvoiceTotal(Guid InvoiceId) : IQuery<decimal>;

public sealed class CreateInvoiceHandler(Completion completion) : ICommandHandler<CreateInvoice>
{
    public ValueTask HandleAsync(CreateInvoice command, MessageContext context, CancellationToken cancellationToken)
    {
        completion.Signal();
        return ValueTask.CompletedTask;
    }
}

public sealed class InvoiceMailer(Completion completion) : IEventHandler<InvoiceCreated>
{
    public ValueTask HandleAsync(InvoiceCreated @event, MessageContext context, CancellationToken cancellationToken)
    {
        completion.Signal();
        return ValueTask.CompletedTask;
    }
}

public sealed class InvoiceLedger(Completion completion) : IEventHandler<InvoiceCreated>
{
    public ValueTask HandleAsync(InvoiceCreated @event, MessageContext context, CancellationToken cancellationToken)
    {
        completion.Signal();
        return ValueTask.CompletedTask;
    }
}

public sealed class InvoiceAudit(Completion completion) : IEventHandler<InvoiceCreated>
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
