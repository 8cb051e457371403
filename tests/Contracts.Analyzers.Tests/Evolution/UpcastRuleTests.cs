using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests.Evolution;

/// <summary>CTR049: an [UpcastFrom] that does not name an older version of the contract.</summary>
public sealed class UpcastRuleTests
{
    [Fact]
    public Task Another_wire_name_a_version_not_lower_another_kind_a_non_contract_and_a_query_are_reported() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using Contracts;

        public sealed record Plain(Guid OrderId);
        [Event(Name = "shop.placed")] public partial record PlacedV1(Guid OrderId);
        [Event(Name = "shop.placed", Version = 3)] public partial record PlacedV3(Guid OrderId);
        [Command(Name = "shop.place")] public partial record PlaceV1([property: IdempotencyKey] Guid OrderId);
        [Query(Name = "shop.get")] public partial record GetV1(Guid OrderId) : IQuery<string>;

        [Event(Name = "shop.accepted", Version = 2)] [{|#0:UpcastFrom(typeof(PlacedV1))|}] public partial record Accepted(Guid OrderId);
        [Event(Name = "shop.placed", Version = 2)] [{|#1:UpcastFrom(typeof(PlacedV3))|}, {|#2:UpcastFrom(typeof(PlaceV1))|}, {|#3:UpcastFrom(typeof(Plain))|}] public partial record Placed(Guid OrderId);
        [Query(Name = "shop.get", Version = 2)] [{|#4:UpcastFrom(typeof(GetV1))|}] public partial record Get(Guid OrderId) : IQuery<string>;
        """,
        new DiagnosticResult("CTR049", DiagnosticSeverity.Error).WithLocation(0)
            .WithMessage("[UpcastFrom(typeof(PlacedV1))] on 'Accepted': 'PlacedV1' is 'shop.placed' v1 and 'Accepted' is 'shop.accepted' v2; an older version has the same wire name and a lower version"),
        new DiagnosticResult("CTR049", DiagnosticSeverity.Error).WithLocation(1)
            .WithMessage("[UpcastFrom(typeof(PlacedV3))] on 'Placed': 'PlacedV3' is 'shop.placed' v3 and 'Placed' is 'shop.placed' v2; an older version has the same wire name and a lower version"),
        new DiagnosticResult("CTR049", DiagnosticSeverity.Error).WithLocation(2)
            .WithMessage("[UpcastFrom(typeof(PlaceV1))] on 'Placed': 'PlaceV1' is a command and 'Placed' an event; an older version has the same kind"),
        new DiagnosticResult("CTR049", DiagnosticSeverity.Error).WithLocation(3)
            .WithMessage("[UpcastFrom(typeof(Plain))] on 'Placed': 'Plain' is not a contract; name the older version's [Event] type"),
        new DiagnosticResult("CTR049", DiagnosticSeverity.Error).WithLocation(4)
            .WithMessage("[UpcastFrom(typeof(GetV1))] on 'Get': a query is answered by the version it was sent as, so it is not upcast; upcast commands and events"));

    [Fact]
    public Task An_older_version_of_the_same_contract_is_accepted() => ContractsTest.AnalyzeAsync(
        """
        using System;
        using Contracts;

        [Event(Name = "shop.placed")] public partial record PlacedV1(Guid OrderId, int Count);
        [Event(Name = "shop.placed", Version = 2)] [UpcastFrom(typeof(PlacedV1))] public partial record Placed(Guid OrderId, long Count, string Note = "")
        {
            static partial void OnUpcast(PlacedV1 older, ref Placed upcast) => upcast = upcast with { Note = "from v1" };
        }
        """);
}
