namespace Contracts.Generator.Model;

/// <summary>A record or class on the wire: how to build it and its members in index order.</summary>
internal sealed record ObjectSpec(
    string FullyQualifiedName,
    string FormatterName,
    bool IsValueType,
    int Length,
    EquatableArray<MemberSpec> Members);
