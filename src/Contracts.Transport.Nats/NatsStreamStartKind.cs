namespace Contracts;

/// <summary>The kinds of <see cref="NatsStreamStart"/>.</summary>
public enum NatsStreamStartKind
{
    /// <summary>Only what is published from now on.</summary>
    New,

    /// <summary>Everything the stream holds.</summary>
    All,

    /// <summary>From a stream sequence.</summary>
    Sequence,

    /// <summary>From a time.</summary>
    Time,
}
