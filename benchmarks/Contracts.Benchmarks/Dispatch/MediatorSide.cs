using System;
using System.Threading;
using System.Threading.Tasks;
using Mediator;

namespace Contracts.Benchmarks.Dispatch.MediatorPeer;

// martinothamar/Mediator 3.0.2: source generated, in-process, synchronous dispatch.
public sealed record CreateInvoice(Guid InvoiceId, decimal Amount) : Mediator.ICommand;

public sealed record InvoiceCreated(Guid InvoiceId, decimal Amount) : INotification;

public sealed record GetInvoiceTotal(Guid InvoiceId) : Mediator.IQuery<decimal>;

public sealed class CreateInvoiceHandler : Mediator.ICommandHandler<CreateInvoice>
{
    public ValueTask<Unit> Handle(CreateInvoice command, CancellationToken cancellationToken) => new(Unit.Value);
}

public sealed class InvoiceMailer : INotificationHandler<InvoiceCreated>
{
    public ValueTask Handle(InvoiceCreated notification, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

public sealed class InvoiceLedger : INotificationHandler<InvoiceCreated>
{
    public ValueTask Handle(InvoiceCreated notification, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

public sealed class InvoiceAudit : INotificationHandler<InvoiceCreated>
{
    public ValueTask Handle(InvoiceCreated notification, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

public sealed class GetInvoiceTotalHandler : Mediator.IQueryHandler<GetInvoiceTotal, decimal>
{
    public ValueTask<decimal> Handle(GetInvoiceTotal query, CancellationToken cancellationToken) => new(42m);
}
