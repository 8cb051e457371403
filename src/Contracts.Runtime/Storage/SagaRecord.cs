using System;

namespace Contracts.Storage;

/// <summary>
/// One saga instance as a store keeps it: its name and id (the key), a version that grows by one with every saved
/// step (optimistic concurrency), its status, and its data (state, pending compensations and history, written by the
/// core; a store keeps the bytes as they are).
/// </summary>
/// <param name="Saga">The saga's stored name (<see cref="SagaAttribute.Name"/>).</param>
/// <param name="SagaId">The instance id, as text.</param>
/// <param name="Version">1 for a new instance, then one more per saved step.</param>
/// <param name="Status">Running or how it ended.</param>
/// <param name="Data">The core's bytes.</param>
/// <param name="UpdatedAt">When the last step was saved.</param>
public sealed record SagaRecord(string Saga, string SagaId, long Version, SagaStatus Status, ReadOnlyMemory<byte> Data, DateTimeOffset UpdatedAt);
