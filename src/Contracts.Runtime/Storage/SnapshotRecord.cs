using System;

namespace Contracts.Storage;

/// <summary>
/// The state of an aggregate's stream as of one version, as a store keeps it: written by the aggregate's generated
/// state formatter, with the shape it was written in, so a reader with another state type ignores it.
/// </summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Version">The version of the last event the state includes.</param>
/// <param name="StateShape">The state's version and shape fingerprint when it was written.</param>
/// <param name="State">The state's bytes.</param>
/// <param name="TakenAt">When it was taken (UTC, milliseconds).</param>
public sealed record SnapshotRecord(string StreamId, long Version, string StateShape, ReadOnlyMemory<byte> State, DateTimeOffset TakenAt);
