namespace Contracts.Sagas;

/// <summary>Limits shared by the saga steps and the pipeline that retries their conflicts.</summary>
internal static class SagaStepDescriptorLimits
{
    /// <summary>Conflicts a step meets in a row before it gives up and the endpoint's retry policy decides.</summary>
    public const int MaxConflicts = 64;
}
