
namespace Contracts.CodeAnalysis;

/// <summary>The three kinds of message, as marked by [Command], [Event] or [Query].</summary>
internal enum ContractKind
{
    Command = 1,
    Event = 2,
    Query = 3,
}
