using System;

namespace Contracts.Testing;

/// <summary>One delivery of a message to one endpoint, as it ended, recorded by <see cref="ContractsTestHarness"/>.</summary>
/// <param name="Endpoint">The endpoint (a command's or query's, or an event subscription's).</param>
/// <param name="Message">The message, or <see langword="null"/> when it could not be read.</param>
/// <param name="MessageId">The envelope's message id.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="DeadLetterReason">For <see cref="HarnessOutcome.DeadLettered"/>: why, after how many attempts, with the exception when there was one.</param>
public sealed record HarnessDelivery(string Endpoint, object? Message, Guid MessageId, HarnessOutcome Outcome, string? DeadLetterReason);
