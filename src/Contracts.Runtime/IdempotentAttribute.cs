using System;

namespace Contracts;

/// <summary>
/// Declares that a handler is safe to run more than once for the same message (its effect is naturally
/// idempotent), so it needs no idempotency key.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class IdempotentAttribute : Attribute;
