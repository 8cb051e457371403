using System;
using System.Threading.Tasks;
using MassTransit;

namespace Contracts.Benchmarks.Dispatch.MassTransitPeer;

// MassTransit 8.5.12 mediator: in-process consumers behind IMediator.
public sealed record CreateInvoice(Guid InvoiceId, decimal Amount);

public sealed record InvoiceCreated(Guid InvoiceId, decimal Amount);

public sealed record GetInvoiceTotal(Guid InvoiceId);

public sealed record InvoiceTotal(decimal Total);

public sealed class CreateInvoiceConsumer : IConsumer<CreateInvoice>
{
    public Task Consume(ConsumeContext<CreateInvoice> context) => Task.CompletedTask;
}

public sealed class InvoiceMailer : IConsumer<InvoiceCreated>
{
    public Task Consume(ConsumeContext<InvoiceCreated> context) => Task.CompletedTask;
}

public sealed class InvoiceLedger : IConsumer<InvoiceCreated>
{
    public Task Consume(ConsumeContext<InvoiceCreated> context) => Task.CompletedTask;
}

public sealed class InvoiceAudit : IConsumer<InvoiceCreated>
{
    public Task Consume(ConsumeContext<InvoiceCreated> context) => Task.CompletedTask;
}

public sealed class GetInvoiceTotalConsumer : IConsumer<GetInvoiceTotal>
{
    public Task Consume(ConsumeContext<GetInvoiceTotal> context) => context.RespondAsync(new InvoiceTotal(42m));
}
