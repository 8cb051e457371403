using System;

namespace Contracts.Storage;

/// <summary>
/// A claim on stored rows: <paramref name="Owner"/> (one running bus) holds them until <paramref name="Until"/>. An
/// owner renews its claims while it runs and releases them when it stops; rows whose claim ran out belong to nobody,
/// so another bus on the same database takes over the work of one that died.
/// </summary>
/// <param name="Owner">The claiming bus's id (unique per process start).</param>
/// <param name="Until">When the claim runs out unless renewed.</param>
public readonly record struct StoreClaim(string Owner, DateTimeOffset Until);
