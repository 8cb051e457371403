namespace Contracts.Generator.Model;

/// <summary>One member: its wire index, its type, and how the reader hands it back (constructor argument or initializer).</summary>
internal sealed record MemberSpec(
    string Name,
    int Index,
    TypeSpec Type,
    int ParameterOrdinal,
    string? DefaultValue,
    bool IsKey,
    bool IsPartitionKey,
    bool IsRequired);
