using Contracts.CodeAnalysis;

namespace Contracts.Generator.Model;

// Pipeline values: strings, numbers, bools, enums and equatable arrays only, never symbols or syntax,
// so an unrelated edit leaves every step cached. Type names are global::-qualified strings.

/// <summary>
/// A contract and everything its generated partial needs. <paramref name="Result"/> is a query's result type on the
/// wire, null when it cannot be serialized (the query then has no result formatter). <paramref name="NestedObjects"/>
/// and <paramref name="NestedEnums"/> are the records, classes and enums its members use, each with its own formatter.
/// <paramref name="Error"/> is the generator's own failure (CTR999); <paramref name="Blocked"/> the first of the user's
/// mistakes the generator reported (CTR004, CTR008, CTR009): either way only the marker surface is emitted.
/// <paramref name="Upcasts"/> are the older versions it reads ([UpcastFrom]).
/// </summary>
internal sealed record ContractSpec(
    string Namespace,
    string Name,
    string FullyQualifiedName,
    string HintName,
    EquatableArray<ContainerSpec> Containers,
    string Keyword,
    string WireName,
    int Version,
    ContractKind Kind,
    string? ResultType,
    TypeSpec? Result,
    ObjectSpec Shape,
    EquatableArray<ObjectSpec> NestedObjects,
    EquatableArray<EnumSpec> NestedEnums,
    string? Error,
    string? Blocked = null,
    EquatableArray<UpcastSpec> Upcasts = default)
{
    /// <summary>Whether the contract is generated in full: in the catalog, with a formatter, its handlers wired.</summary>
    public bool IsComplete => Error is null && Blocked is null;
}
