using System;

namespace Contracts.Sagas;

/// <summary>A timeout a saga instance asked for and has not had back: the delayed message's id and when it is due.</summary>
internal readonly record struct PendingTimeout(Guid MessageId, DateTimeOffset DueAt);
