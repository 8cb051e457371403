using System;

namespace Contracts;

/// <summary>
/// Marks a partial class deriving from <see cref="Saga{TState}"/> as a saga: the generator writes its state formatter,
/// the correlation of each message it names (<see cref="IStartedBy{TMessage}"/>, <see cref="IHandles{TMessage}"/>) and
/// its registration. The class must be partial, not generic, not abstract, and started by at least one message.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class SagaAttribute : Attribute
{
    /// <summary>
    /// The stable name its instances are stored under. Default: the class's full name. Set it before renaming or
    /// moving the class, or the stored instances are no longer found.
    /// </summary>
    public string? Name { get; init; }
}
