namespace Contracts.Generator.Model;

/// <summary>A handler class and the messages named in one of its declarations' base lists.</summary>
internal sealed record HandlerSpec(
    string FullyQualifiedName,
    EquatableArray<HandledSpec> Handles,
    EquatableArray<ParameterSpec>? Constructor);
