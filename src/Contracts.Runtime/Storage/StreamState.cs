namespace Contracts.Storage;

/// <summary>Where a stream stands: how many events it holds, and whether it was deleted.</summary>
/// <param name="Version">The version of its last event; 0 for a stream that does not exist.</param>
/// <param name="Deleted">Whether the stream was deleted (its events stay in the global log; it takes no more).</param>
public readonly record struct StreamState(long Version, bool Deleted);
