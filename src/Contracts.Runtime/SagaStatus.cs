namespace Contracts;

/// <summary>Where a saga instance is in its life.</summary>
public enum SagaStatus
{
    /// <summary>Started and not ended: its steps run.</summary>
    Running = 0,

    /// <summary>Ended by <see cref="SagaContext.Complete"/>: the business transaction went through.</summary>
    Completed = 1,

    /// <summary>Ended by <see cref="SagaContext.Compensate"/>: its compensations were sent, newest first.</summary>
    Compensated = 2,

    /// <summary>Ended by <see cref="SagaContext.Fail"/>: given up without compensating.</summary>
    Failed = 3,
}
