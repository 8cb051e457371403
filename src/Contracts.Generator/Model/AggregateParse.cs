namespace Contracts.Generator.Model;

/// <summary>What parsing one [Aggregate] class gives: the spec to generate (null when a rule stops it) and its diagnostics.</summary>
internal sealed record AggregateParse(AggregateSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
