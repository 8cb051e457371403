namespace Contracts.CodeAnalysis;

/// <summary>Metadata names of the Contracts types the generator and analyzers look for.</summary>
internal static class WellKnownNames
{
    public const string RuntimeNamespace = "Contracts";
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

    public const string CommandHandlerName = "ICommandHandler";
    public const string EventHandlerName = "IEventHandler";
    public const string QueryHandlerName = "IQueryHandler";
}
