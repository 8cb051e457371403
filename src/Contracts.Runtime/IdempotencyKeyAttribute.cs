using System;

namespace Contracts;

/// <summary>
/// Marks a member that identifies the logical message: the idempotency key is the contract name plus the
/// canonical values of every such member, so the same logical message always has the same key and the inbox
/// runs its handler once.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class IdempotencyKeyAttribute : Attribute;
