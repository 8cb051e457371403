namespace Contracts.Generator.Model;

/// <summary>
/// What parsing one contract declaration gives: the spec to emit (null when nothing can be emitted) and the
/// diagnostics that explain what is wrong. Split right after parsing, so a location that moves with an edit above
/// the contract never invalidates the spec.
/// </summary>
internal sealed record ContractParse(ContractSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
