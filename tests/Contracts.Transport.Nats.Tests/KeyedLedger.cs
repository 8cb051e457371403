namespace Contracts.Tests.Partitions;

/// <summary>The wire name of this project's <see cref="Keyed"/> (the ledger and its handler are shared, in tests/Shared/Partitions).</summary>
internal static class KeyedContract
{
    public const string Name = "NatsTests.Keyed";
}
