namespace Contracts.Generator.Model;

/// <summary>
/// What parsing one [Projection] class gives: the spec to generate (null when a rule stops it), its diagnostics, and
/// where it is declared (for the name-clash rule; kept out of the spec so that moving the class re-emits nothing).
/// </summary>
internal sealed record ProjectionParse(ProjectionSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? Location = null);
