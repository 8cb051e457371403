namespace Contracts.Generator.Model;

/// <summary>
/// An aggregate and everything its generated partial needs: its stream name and snapshot interval, its state's type,
/// formatters and shape fingerprint (the state is written by the rules of a contract's members), and its Apply methods.
/// </summary>
internal sealed record AggregateSpec(
    string Namespace,
    string Name,
    string FullyQualifiedName,
    string HintName,
    EquatableArray<ContainerSpec> Containers,
    string AggregateName,
    int SnapshotEvery,
    string StateShape,
    string StateType,
    TypeSpec State,
    EquatableArray<ObjectSpec> NestedObjects,
    EquatableArray<EnumSpec> NestedEnums,
    EquatableArray<AggregateApplySpec> Applies);
