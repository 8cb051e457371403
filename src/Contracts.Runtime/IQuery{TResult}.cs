namespace Contracts;

/// <summary>Implemented by a <see cref="QueryAttribute"/> type to name the result its handler returns.</summary>
/// <typeparam name="TResult">The result type.</typeparam>
public interface IQuery<TResult> : IMessage;
