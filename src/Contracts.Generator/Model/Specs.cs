using Contracts.CodeAnalysis;

namespace Contracts.Generator.Model;

// Pipeline values: strings, numbers, bools, enums and equatable arrays only, never symbols or syntax,
// so an unrelated edit leaves every step cached. Type names are global::-qualified strings.

/// <summary>
/// A contract and everything its generated partial needs. <paramref name="Result"/> is a query's result type on the
/// wire, null when it cannot be serialized (the query then has no result formatter).
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
    string? Error);

/// <summary>A type the contract is nested in (each must be partial).</summary>
internal sealed record ContainerSpec(string Keyword, string Name);

/// <summary>A record or class on the wire: how to build it and its members in index order.</summary>
internal sealed record ObjectSpec(
    string FullyQualifiedName,
    string FormatterName,
    bool IsValueType,
    int Length,
    EquatableArray<MemberSpec> Members);

/// <summary>One member: its wire index, its type, and how the reader hands it back (constructor argument or initializer).</summary>
internal sealed record MemberSpec(
    string Name,
    int Index,
    TypeSpec Type,
    int ParameterOrdinal,
    string? DefaultValue,
    bool IsKey,
    bool IsRequired);

/// <summary>A member type: its wire kind and, for collections and nullables, its arguments.</summary>
internal sealed record TypeSpec(
    WireKind Kind,
    string FullyQualifiedName,
    EquatableArray<TypeSpec> Arguments,
    string? ObjectFormatter,
    string? EnumReadMethod,
    bool EnumSigned,
    bool IsNullableAnnotated);

/// <summary>A handler class and the messages named in one of its declarations' base lists.</summary>
internal sealed record HandlerSpec(
    string FullyQualifiedName,
    EquatableArray<HandledSpec> Handles,
    EquatableArray<ParameterSpec>? Constructor);

/// <summary>One message a handler handles; <paramref name="FromReference"/> when the contract is compiled in another assembly.</summary>
internal sealed record HandledSpec(ContractKind Kind, string MessageType, string? ResultType, bool FromReference);

/// <summary>A handler constructor parameter, resolved from DI by the generated factory.</summary>
internal sealed record ParameterSpec(string Type, bool Optional);

/// <summary>The assembly's module: its own contracts and handlers and the modules of its references.</summary>
internal sealed record ModuleSpec(
    string AssemblyName,
    EquatableArray<string> Contracts,
    EquatableArray<HandlerSpec> Handlers,
    EquatableArray<string> ReferencedModules);
