using System.ComponentModel;
using MessagePack.Formatters;

namespace Contracts.Sagas;

/// <summary>
/// What the generator adds to a <see cref="SagaAttribute"/> class: its stored name and the formatter of its state.
/// Generated code implements it; applications do not.
/// </summary>
/// <typeparam name="TState">The saga's state.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISagaDefinition<TState>
    where TState : class, new()
{
    /// <summary>The name instances are stored under.</summary>
    static abstract string SagaName { get; }

    /// <summary>The generated formatter of the state.</summary>
    static abstract IMessagePackFormatter<TState> StateFormatter { get; }
}
