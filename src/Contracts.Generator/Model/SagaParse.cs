namespace Contracts.Generator.Model;

/// <summary>What parsing one [Saga] class gives: the spec to generate (null when a rule stops it) and its diagnostics.</summary>
internal sealed record SagaParse(SagaSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
