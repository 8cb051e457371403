namespace Contracts;

/// <summary>
/// A step that may start a saga: when no instance has the message's <see cref="SagaIdAttribute"/> value, a new one
/// begins with a fresh state; when one exists and is running, the step runs on it like any <see cref="IHandles{TMessage}"/>.
/// A saga names at least one (CTR031).
/// </summary>
/// <typeparam name="TMessage">The command or event contract.</typeparam>
public interface IStartedBy<in TMessage> : IHandles<TMessage>;
