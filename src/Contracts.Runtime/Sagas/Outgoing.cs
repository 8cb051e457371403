namespace Contracts.Sagas;

/// <summary>A send or publish a saga step recorded, made when its state is saved.</summary>
internal readonly record struct Outgoing(ContractDescriptor Contract, object Message, SendOptions? Options);
