using System;

namespace Contracts.Benchmarks.Dispatch.WolverinePeer;

// WolverineFx 6.62.0 in its mediator-only mode: InvokeAsync runs the handler inline.
public sealed record CreateInvoice(Guid InvoiceId, decimal Amount);

public sealed record InvoiceCreated(Guid InvoiceId, decimal Amount);

public sealed record GetInvoiceTotal(Guid InvoiceId);

public static class CreateInvoiceHandler
{
    public static void Handle(CreateInvoice command)
    {
    }
}

// Three handlers of one message: Wolverine combines them into one chain that InvokeAsync runs.
public static class InvoiceMailer
{
    public static void Handle(InvoiceCreated @event)
    {
    }
}

public static class InvoiceLedger
{
    public static void Handle(InvoiceCreated @event)
    {
    }
}

public static class InvoiceAudit
{
    public static void Handle(InvoiceCreated @event)
    {
    }
}

public static class GetInvoiceTotalHandler
{
    public static decimal Handle(GetInvoiceTotal query) => 42m;
}
