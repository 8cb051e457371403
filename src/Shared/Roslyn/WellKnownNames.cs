using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>Names of the Contracts types and members the generator, the analyzers and the code fixes look for.</summary>
internal static class WellKnownNames
{
    public const string RuntimeNamespace = "Contracts";
    public const string RuntimeAssembly = "Contracts.Runtime";

    // Metadata names, for Compilation.GetTypeByMetadataName and ForAttributeWithMetadataName.
    public const string CommandAttribute = "Contracts.CommandAttribute";
    public const string EventAttribute = "Contracts.EventAttribute";
    public const string QueryAttribute = "Contracts.QueryAttribute";
    public const string IdempotencyKeyAttribute = "Contracts.IdempotencyKeyAttribute";
    public const string IdempotentAttribute = "Contracts.IdempotentAttribute";
    public const string MemberIndexAttribute = "Contracts.MemberIndexAttribute";
    public const string QueryInterface = "Contracts.IQuery`1";
    public const string ContractInterface = "Contracts.IContract`1";
    public const string CommandHandler = "Contracts.ICommandHandler`1";
    public const string EventHandler = "Contracts.IEventHandler`1";
    public const string QueryHandler = "Contracts.IQueryHandler`2";
    public const string ContractsModuleAttribute = "Contracts.Modules.ContractsModuleAttribute";

    // Simple names, for comparing a symbol part by part (cheaper than a display string) or a syntax node by its name.
    public const string CommandAttributeName = "CommandAttribute";
    public const string EventAttributeName = "EventAttribute";
    public const string QueryAttributeName = "QueryAttribute";
    public const string IdempotencyKeyAttributeName = "IdempotencyKeyAttribute";
    public const string PartitionKeyAttributeName = "PartitionKeyAttribute";
    public const string MemberIndexAttributeName = "MemberIndexAttribute";
    public const string UpcastFromAttributeName = "UpcastFromAttribute";
    public const string QueryInterfaceName = "IQuery";
    public const string ContractInterfaceName = "IContract";
    public const string CommandHandlerName = "ICommandHandler";
    public const string EventHandlerName = "IEventHandler";
    public const string QueryHandlerName = "IQueryHandler";
    public const string HandleMethodName = "HandleAsync";

    /// <summary>Whether <paramref name="type"/> is a top-level type of the runtime namespace (name and arity are the caller's to check).</summary>
    public static bool IsRuntimeType(INamedTypeSymbol? type) =>
        type is { ContainingType: null, ContainingNamespace: { Name: RuntimeNamespace, ContainingNamespace.IsGlobalNamespace: true } };

    /// <summary>The constant of a generated module listing its contracts and handlers (see the generator's ModuleEmitter.Manifest).</summary>
    public const string ManifestFieldName = "Manifest";
}
