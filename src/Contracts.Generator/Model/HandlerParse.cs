namespace Contracts.Generator.Model;

/// <summary>What parsing one handler declaration gives: the spec to wire (null when nothing is wired) and its diagnostics.</summary>
internal sealed record HandlerParse(HandlerSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
