namespace Contracts.Sagas;

/// <summary>A compensating command recorded by a step: its contract and its serialized payload, sent when the saga compensates.</summary>
internal readonly record struct StoredCompensation(string Contract, int Version, byte[] Payload);
