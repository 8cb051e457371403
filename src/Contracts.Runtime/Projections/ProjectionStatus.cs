namespace Contracts.Projections;

/// <summary>Where a projection stands.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Mode">Inline or asynchronous.</param>
/// <param name="Checkpoint">The position up to which it has projected every event (inline: the head).</param>
/// <param name="Head">The log's head position.</param>
/// <param name="Error">Why its last batch failed (it is retried), or <see langword="null"/>.</param>
public sealed record ProjectionStatus(string Name, ProjectionMode Mode, long Checkpoint, long Head, string? Error)
{
    /// <summary>How many events it is behind the head.</summary>
    public long Lag => Head - Checkpoint;
}
