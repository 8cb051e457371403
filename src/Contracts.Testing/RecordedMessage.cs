using System;

namespace Contracts.Testing;

/// <summary>A message a handler sent, published or queried through a <see cref="TestMessageContext"/>.</summary>
/// <param name="Message">The message as the handler passed it.</param>
/// <param name="Kind">Command (sent), event (published) or query.</param>
/// <param name="Options">The options the handler passed, if any (a query's are always <see langword="null"/>).</param>
/// <param name="CorrelationId">The correlation id the bus would give it: the options' or the handled message's.</param>
/// <param name="CausationId">The id of the message whose handler sent it (as the bus sets it), or <see langword="null"/> for one sent from outside a handler.</param>
public sealed record RecordedMessage(object Message, MessageKind Kind, SendOptions? Options, Guid CorrelationId, Guid? CausationId);
