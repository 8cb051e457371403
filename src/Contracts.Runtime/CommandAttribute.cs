using System;

namespace Contracts;

/// <summary>
/// Marks an imperative request (<c>PlaceOrder</c>) that exactly one handler receives, point to point.
/// Send it with <see cref="IMessageBus.SendAsync{TCommand}(TCommand, SendOptions?, System.Threading.CancellationToken)"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class CommandAttribute : ContractAttribute;
