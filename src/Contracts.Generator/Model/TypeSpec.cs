using Contracts.CodeAnalysis;

namespace Contracts.Generator.Model;

/// <summary>
/// A member type: its wire kind and, for collections and nullables, its arguments. <paramref name="NestedFormatter"/>
/// names the formatter generated beside the contract's for a user record or class, or an enum.
/// <paramref name="RejectsNil"/> is set for a reference type declared not nullable (not for one in a
/// <c>#nullable disable</c> context, which promises nothing).
/// </summary>
internal sealed record TypeSpec(
    WireKind Kind,
    string FullyQualifiedName,
    EquatableArray<TypeSpec> Arguments,
    string? NestedFormatter,
    string? EnumReadMethod,
    bool EnumSigned,
    bool RejectsNil);
