using System;

namespace Contracts;

/// <summary>
/// Marks the member of a message that names the saga instance it belongs to (an order id, a booking number). Every
/// message a saga starts with or handles has exactly one, of the same type in all of them: <see cref="Guid"/>,
/// <see cref="string"/>, <see cref="int"/> or <see cref="long"/>. The generator reads it directly (no reflection, no
/// property names in strings); a handled message without one is CTR030.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, Inherited = false)]
public sealed class SagaIdAttribute : Attribute;
