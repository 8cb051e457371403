using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>CTR023: a partition key member without a stable value, or a partition key on a query.</summary>
public sealed class PartitionKeyTests
{
    [Fact]
    public Task A_partition_key_on_a_collection_a_user_type_or_a_float_is_reported_where_it_is_declared() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.Collections.Generic;
        using Contracts;

        public sealed record Account(int Number);

        [Command] public partial record Post(
            [property: PartitionKey] IReadOnlyList<string> {|#0:Lines|}, [property: PartitionKey] Account {|#1:Account|}, [property: PartitionKey] double {|#2:Amount|});
        """,
        new DiagnosticResult("CTR023", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("[PartitionKey] member 'Post.Lines' is a 'System.Collections.Generic.IReadOnlyList<string>'; a partition key member must be a string, integer, bool, char, enum, Guid, date, time or decimal, whose value hashes the same in every process"),
        new DiagnosticResult("CTR023", DiagnosticSeverity.Error).WithLocation(1),
        new DiagnosticResult("CTR023", DiagnosticSeverity.Error).WithLocation(2)
            .WithMessage("[PartitionKey] member 'Post.Amount' is a 'double'; a partition key member must be a string, integer, bool, char, enum, Guid, date, time or decimal, whose value hashes the same in every process"));

    [Fact]
    public Task A_computed_partition_key_is_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using Contracts;

        [Event] public partial record Moved(Guid Id, int Shard)
        {
            [PartitionKey] public string {|#0:Key|} => Id + "/" + Shard;
        }
        """,
        new DiagnosticResult("CTR023", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("[PartitionKey] member 'Moved.Key' is computed or get-only, so it is not on the wire and a receiver cannot compute the key; key on a member the constructor or an init accessor sets"));

    [Fact]
    public Task A_partition_key_on_a_query_is_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using Contracts;

        [Query] public partial record GetBalance([property: PartitionKey] Guid {|#0:Account|}) : IQuery<decimal>;
        """,
        new DiagnosticResult("CTR023", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("query 'GetBalance' has a [PartitionKey] member 'Account'; a query is answered as it comes, never held in order behind another, so the key would promise nothing: remove it"));

    [Fact]
    public Task Partition_keys_on_scalars_of_commands_and_events_are_fine() => ContractsTest.AnalyzeAsync("""
        using System;
        using Contracts;

        public enum Region { Eu, Us }

        [Command] public partial record Post(
            [property: PartitionKey] Guid Account, [property: PartitionKey] string Ledger, [property: PartitionKey] Region Region,
            [property: PartitionKey] int? Shard, [property: PartitionKey] DateOnly Day, [property: IdempotencyKey] Guid EntryId, double Amount);

        [Event] public partial record Posted([property: PartitionKey] Guid Account, [property: IdempotencyKey] Guid EntryId);
        """);
}
