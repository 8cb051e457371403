using System;

namespace Contracts;

/// <summary>One line of a saga instance's history: a step that ran, a command it sent, a compensation, how it ended.</summary>
/// <param name="At">When the step that wrote it ran.</param>
/// <param name="Message">The contract of the message whose step wrote it.</param>
/// <param name="MessageId">That message's id.</param>
/// <param name="Note">What happened, for a person: <c>sent Shop.ReserveStock (compensation Shop.ReleaseStock)</c>.</param>
public sealed record SagaHistoryEntry(DateTimeOffset At, string Message, Guid MessageId, string Note);
