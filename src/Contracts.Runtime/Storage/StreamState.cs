using Contracts.EventSourcing;

namespace Contracts.Storage;

/// <summary>Where a stream stands: how many events it holds, and whether it was deleted or archived.</summary>
/// <param name="Version">The version of its last event; 0 for a stream that does not exist.</param>
/// <param name="Deleted">Whether the stream was deleted (its events stay in the global log; it takes no more and cannot be read).</param>
/// <param name="Archived">Whether the stream was archived (it takes no more events; its events can still be read).</param>
public readonly record struct StreamState(long Version, bool Deleted, bool Archived = false)
{
    /// <summary>
    /// Throws what an append to a stream in this state is refused with: <see cref="StreamDeletedException"/>,
    /// <see cref="StreamArchivedException"/>, or <see cref="WrongExpectedVersionException"/> when
    /// <paramref name="expected"/> does not hold. For stores: every store refuses the same way.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the append expects.</param>
    public void ThrowIfCannotAppend(string streamId, ExpectedVersion expected)
    {
        if (Archived && !Deleted)
        {
            throw new StreamArchivedException(streamId);
        }

        ThrowIfCannotClose(streamId, expected);
    }

    /// <summary>
    /// Throws what a deletion or an archiving of a stream in this state is refused with: <see cref="StreamDeletedException"/>
    /// for a deleted stream, <see cref="WrongExpectedVersionException"/> when <paramref name="expected"/> does not hold.
    /// An archived stream may still be deleted, or archived again (which changes nothing).
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expected">The version the caller read.</param>
    public void ThrowIfCannotClose(string streamId, ExpectedVersion expected)
    {
        if (Deleted)
        {
            throw new StreamDeletedException(streamId);
        }

        if (!expected.IsMetBy(Version))
        {
            throw new WrongExpectedVersionException(streamId, expected, Version);
        }
    }
}
