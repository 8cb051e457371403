
namespace Contracts.CodeAnalysis;

/// <summary>What is wrong with a contract; each maps to one diagnostic.</summary>
internal enum ContractProblemKind
{
    /// <summary>CTR003: the type cannot be generated (not partial, generic, nested in a non-partial type, a struct, ...).</summary>
    NotGeneratable,

    /// <summary>CTR004: a member's type cannot be serialized.</summary>
    UnserializableMember,

    /// <summary>CTR006: more than one of [Command], [Event], [Query].</summary>
    SeveralKinds,

    /// <summary>A [Query] that does not implement IQuery&lt;TResult&gt;.</summary>
    QueryWithoutResult,

    /// <summary>An [IdempotencyKey] member whose type has no canonical form.</summary>
    UnsupportedKey,

    /// <summary>CTR023: a [PartitionKey] member whose type has no stable value, or a partition key on a query.</summary>
    UnsupportedPartitionKey,
}
