namespace Contracts;

/// <summary>Marker the generator puts on every <see cref="EventAttribute"/> type.</summary>
public interface IEvent : IMessage;
