namespace Contracts.Generator.Model;

/// <summary>The assembly's module: its own contracts and handlers and the modules of its references.</summary>
internal sealed record ModuleSpec(
    string AssemblyName,
    EquatableArray<string> Contracts,
    EquatableArray<HandlerSpec> Handlers,
    EquatableArray<string> ReferencedModules);
