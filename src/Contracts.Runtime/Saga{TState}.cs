namespace Contracts;

/// <summary>
/// The base of a saga: a long-running process, one instance per <see cref="SagaIdAttribute"/> value, whose
/// <see cref="State"/> is stored between its steps. Declare it as a partial class marked <see cref="SagaAttribute"/>
/// that names the messages starting it (<see cref="IStartedBy{TMessage}"/>) and those it handles
/// (<see cref="IHandles{TMessage}"/>); see docs/sagas.md. One object is created per step: keep nothing in fields.
/// </summary>
/// <typeparam name="TState">
/// The stored state: a class or record the generator can serialize (the rules of a contract's members), with a
/// parameterless constructor that gives a new instance's state.
/// </typeparam>
public abstract class Saga<TState>
    where TState : class, new()
{
    /// <summary>
    /// The instance's state: a new one when the step starts the saga, otherwise as the last step left it. Replace it
    /// (<c>State = State with { ... }</c>) or change it; it is saved when the step completes, with what the step sent.
    /// </summary>
    public TState State { get; set; } = null!;
}
