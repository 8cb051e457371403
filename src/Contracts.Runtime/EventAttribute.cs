using System;

namespace Contracts;

/// <summary>
/// Marks a fact in the past tense (<c>OrderPlaced</c>) that every subscribed handler receives, each on its own
/// subscription. Publish it with <see cref="IMessageBus.PublishAsync{TEvent}(TEvent, SendOptions?, System.Threading.CancellationToken)"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class EventAttribute : ContractAttribute;
