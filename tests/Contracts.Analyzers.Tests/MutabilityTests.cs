using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests;

/// <summary>CTR010: a contract with mutable state.</summary>
public sealed class MutabilityTests
{
    [Fact]
    public Task Mutable_collections_are_reported_on_the_member() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using System.Collections.Generic;
        using Contracts;

        [Event] public partial record Tagged(Guid Id, List<string> {|#0:Tags|}, int[] {|#1:Counts|}, Dictionary<string, int>? {|#2:ByName|});
        """,
        new DiagnosticResult("CTR010", DiagnosticSeverity.Warning).WithLocation(0)
            .WithMessage("Contract 'Tagged' has mutable state: 'Tags' is a mutable 'List<string>' (use IReadOnlyList<T> or ImmutableArray<T>)"),
        new DiagnosticResult("CTR010", DiagnosticSeverity.Warning).WithLocation(1)
            .WithMessage("Contract 'Tagged' has mutable state: 'Counts' is a mutable array 'int[]' (use IReadOnlyList<T> or ImmutableArray<T>)"),
        new DiagnosticResult("CTR010", DiagnosticSeverity.Warning).WithLocation(2));

    [Fact]
    public Task Read_only_members_and_byte_arrays_are_fine() => ContractsTest.AnalyzeAsync("""
        using System;
        using System.Collections.Generic;
        using System.Collections.Immutable;
        using Contracts;

        [Event] public partial record Tagged(Guid Id, IReadOnlyList<string> Tags, ImmutableArray<int> Counts, IReadOnlyDictionary<string, int> ByName, byte[] Payload)
        {
            public string Note { get; init; } = "";

            public int Computed => Tags.Count;
        }
        """);

    [Fact]
    public Task A_setter_is_reported_and_turned_into_init() => ContractsTest.FixAsync(
        """
        using System;
        using Contracts;

        [Command]
        public partial class Rename
        {
            public Rename(Guid id) => Id = id;

            [IdempotencyKey] public Guid Id { get; }

            public string Name { get; {|CTR010:set;|} } = "";

            public int Priority { get; {|CTR010:set;|} }
        }
        """,
        """
        using System;
        using Contracts;

        [Command]
        public partial class Rename
        {
            public Rename(Guid id) => Id = id;

            [IdempotencyKey] public Guid Id { get; }

            public string Name { get; init; } = "";

            public int Priority { get; init; }
        }
        """,
        iterations: 2);
}
