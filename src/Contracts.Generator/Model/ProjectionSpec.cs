namespace Contracts.Generator.Model;

/// <summary>
/// A projection and everything its generated partial needs: its stored name, the events it reads (global::-qualified,
/// sorted), whether it can be reset for a rebuild, its constructor for the factory (null: resolved from DI).
/// </summary>
internal sealed record ProjectionSpec(
    string Namespace,
    string Name,
    string FullyQualifiedName,
    string HintName,
    EquatableArray<ContainerSpec> Containers,
    string ProjectionName,
    EquatableArray<string> Events,
    bool Rebuildable,
    EquatableArray<ParameterSpec>? Constructor);
