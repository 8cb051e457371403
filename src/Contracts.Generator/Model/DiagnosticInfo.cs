using Contracts.CodeAnalysis;

namespace Contracts.Generator.Model;

/// <summary>
/// A diagnostic the generator reports, as equatable values: the descriptor's id, its message arguments, where, and
/// the code fix that applies (<see cref="DiagnosticIds.FixProperty"/>), if any.
/// </summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, string? Fix);
