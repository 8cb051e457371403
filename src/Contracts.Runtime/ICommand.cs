namespace Contracts;

/// <summary>Marker the generator puts on every <see cref="CommandAttribute"/> type.</summary>
public interface ICommand : IMessage;
