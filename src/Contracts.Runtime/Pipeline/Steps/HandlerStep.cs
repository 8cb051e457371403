using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using MessagePack;

namespace Contracts.Pipeline.Steps;

/// <summary>
/// The innermost part of the pipeline, composed once: the <see cref="IConsumeMiddleware"/> steps in registration
/// order, then the message read from its payload (within the size limit) and the handler called.
/// </summary>
internal sealed class HandlerStep
{
    private readonly int _maxPayloadBytes;

    public HandlerStep(IEnumerable<IConsumeMiddleware> middlewares, int maxPayloadBytes)
    {
        _maxPayloadBytes = maxPayloadBytes;
        IConsumeMiddleware[] steps = [.. middlewares];
        ConsumeDelegate chain = InvokeHandlerAsync;
        for (int i = steps.Length - 1; i >= 0; i--)
        {
            IConsumeMiddleware step = steps[i];
            ConsumeDelegate next = chain;
            chain = context => step.InvokeAsync(context, next);
        }

        Chain = chain;
        HasMiddleware = steps.Length > 0;
    }

    /// <summary>Whether any <see cref="IConsumeMiddleware"/> is registered: without one, an inline query calls its handler directly.</summary>
    public bool HasMiddleware { get; }

    /// <summary>Runs one attempt: the middleware, then the handler.</summary>
    public ConsumeDelegate Chain { get; }

    private ValueTask InvokeHandlerAsync(ConsumeContext context)
    {
        object message = context.Message ??= ReadMessage(context.Envelope);
        return context.Handler.InvokeAsync(context.MessageContext, message, context.CancellationToken);
    }

    /// <summary>The message of <paramref name="envelope"/>: as sent in process, or read from its payload.</summary>
    /// <exception cref="UnreadableMessageException">The payload is too large or not a valid message of its contract.</exception>
    public object ReadMessage(Envelope envelope)
    {
        if (envelope.Message is { } message)
        {
            return message;
        }

        ReadOnlyMemory<byte> payload = envelope.Payload;
        if (payload.Length > _maxPayloadBytes)
        {
            throw new UnreadableMessageException(
                $"The payload is {payload.Length} bytes, over the limit of {_maxPayloadBytes} (ContractsOptions.MaxPayloadBytes).");
        }

        try
        {
            return envelope.Contract.Deserialize(payload);
        }
        catch (MessagePackSerializationException ex)
        {
            // The descriptor's message names the contract already.
            throw new UnreadableMessageException(ex.Message, ex);
        }
    }
}
