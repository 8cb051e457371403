using Contracts.CodeAnalysis;

namespace Contracts.Generator.Model;

/// <summary>A member type: its wire kind and, for collections and nullables, its arguments.</summary>
internal sealed record TypeSpec(
    WireKind Kind,
    string FullyQualifiedName,
    EquatableArray<TypeSpec> Arguments,
    string? ObjectFormatter,
    string? EnumReadMethod,
    bool EnumSigned,
    bool IsNullableAnnotated);
