namespace Contracts;

/// <summary>How much of a failure a dead letter keeps (<see cref="ContractsOptions.DeadLetterDetail"/>).</summary>
public enum DeadLetterDetail
{
    /// <summary>
    /// The exception's type, message and stack frames, without the source paths of the machine that built the
    /// handler, at most 8 KB: what operators and tools may read.
    /// </summary>
    Bounded = 0,

    /// <summary><see cref="System.Exception.ToString"/> whole: inner exceptions, every frame, source paths and line numbers.</summary>
    Full = 1,
}
