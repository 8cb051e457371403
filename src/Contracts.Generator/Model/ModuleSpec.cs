namespace Contracts.Generator.Model;

/// <summary>
/// The assembly's module: its own contracts and handlers and the modules of its references. <paramref name="Catalog"/>
/// holds each contract's wire name, version and type (tab-separated), written into the module's manifest so a host's
/// build can check the contracts and handlers of every project it references.
/// </summary>
internal sealed record ModuleSpec(
    string AssemblyName,
    EquatableArray<string> Contracts,
    EquatableArray<HandlerSpec> Handlers,
    EquatableArray<string> ReferencedModules,
    EquatableArray<string> Catalog)
{
    /// <summary>The sagas generated in this assembly (their registrations are called by the module).</summary>
    public EquatableArray<string> Sagas { get; init; } = EquatableArray<string>.Empty;

    /// <summary>
    /// Each saga step as "kind\tmessage\tsaga" (kind Command or Event, both global::-qualified), sorted: written into the
    /// manifest so a host's build sees the saga steps of every project it references (CTR035).
    /// </summary>
    public EquatableArray<string> SagaSteps { get; init; } = EquatableArray<string>.Empty;
}
