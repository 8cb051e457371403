namespace Contracts.Generator.Model;

/// <summary>What parsing one [Projection] class gives: the spec to generate (null when a rule stops it) and its diagnostics.</summary>
internal sealed record ProjectionParse(ProjectionSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
