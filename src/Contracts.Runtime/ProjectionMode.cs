namespace Contracts;

/// <summary>When a projection sees an event.</summary>
public enum ProjectionMode
{
    /// <summary>
    /// In the append's own transaction: the read model is never behind the log, and an append whose projection throws
    /// fails and stores nothing. Costs every append of the events it reads the projection's time.
    /// </summary>
    Inline,

    /// <summary>
    /// After the append, from a checkpointed subscription run by the bus (the projection daemon): appends stay fast,
    /// the read model is eventually consistent, and a restarted process resumes from the saved checkpoint.
    /// </summary>
    Async,
}
