using System;

namespace Contracts;

/// <summary>
/// Marks a request for data answered by exactly one handler. The type must also implement
/// <see cref="IQuery{TResult}"/> to name its result. Run it with <see cref="IMessageBus.QueryAsync{TResult}"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class QueryAttribute : ContractAttribute;
