namespace Contracts.Generator.Model;

/// <summary>One step of a saga: its message, whether it starts an instance, and the message's [SagaId] member.</summary>
internal sealed record SagaStepSpec(string MessageType, string MessageName, bool Starts, string IdMember, bool IsCommand);
