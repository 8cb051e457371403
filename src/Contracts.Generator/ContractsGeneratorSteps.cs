namespace Contracts.Generator;

/// <summary>Tracking names of the generator's steps, asserted by the incremental tests.</summary>
internal static class ContractsGeneratorSteps
{
    public const string Commands = nameof(Commands);
    public const string Events = nameof(Events);
    public const string Queries = nameof(Queries);
    public const string Contracts = nameof(Contracts);
    public const string HintNameClashes = nameof(HintNameClashes);
    public const string Catalog = nameof(Catalog);
    public const string Handlers = nameof(Handlers);
    public const string ReferencedModules = nameof(ReferencedModules);
    public const string AssemblyName = nameof(AssemblyName);
    public const string Module = nameof(Module);
    public const string Sagas = nameof(Sagas);
    public const string Aggregates = nameof(Aggregates);
    public const string Projections = nameof(Projections);
}
