using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Contracts.Analyzers.Tests.Evolution;

/// <summary>CTR040-CTR048: each change to a recorded contract, in each mode, with the lock file the fix writes.</summary>
public sealed class LockRuleTests
{
    private const string V1Lock = LockTest.Header + """
        contract shop.order-placed v1 event Shop.OrderPlaced
          0 OrderId guid required key
          1 Total decimal required
          2 Note string? optional

        """;

    private static string Source(string members, string attribute = "Event(Name = \"shop.order-placed\")") => $$"""
        using System;
        using Contracts;

        namespace Shop;

        [{{attribute}}] public partial record {|#0:OrderPlaced|}({{members}});
        """;

    private static DiagnosticResult At(string id, DiagnosticSeverity severity, int location = 0) => new DiagnosticResult(id, severity).WithLocation(location);

    [Fact]
    public Task Code_that_matches_the_lock_file_has_no_diagnostic() =>
        LockTest.VerifyAsync(Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note"), V1Lock, null, null);

    [Fact]
    public Task Without_a_lock_file_nothing_is_checked_and_the_fix_creates_one() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note"),
            lockFile: null,
            mode: null,
            fixedLock: V1Lock,
            At("CTR041", DiagnosticSeverity.Info).WithMessage("The project declares contracts but has no contracts.lock, so contract changes are not checked; create it with the code fix"));

    [Fact]
    public Task A_new_contract_is_recorded_by_the_fix() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note") + """

            [Command(Name = "shop.place-order")] public partial record {|#1:PlaceOrder|}([property: IdempotencyKey] Guid OrderId, string Sku, int Quantity = 1);
            """,
            V1Lock,
            null,
            V1Lock + """
            contract shop.place-order v1 command Shop.PlaceOrder
              0 OrderId guid required key
              1 Sku string required
              2 Quantity int32 optional

            """,
            At("CTR040", DiagnosticSeverity.Warning, 1).WithMessage("'shop.place-order v1' (command Shop.PlaceOrder) is not recorded in contracts.lock"));

    [Fact]
    public Task A_new_optional_member_is_recorded_by_the_fix() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note, string {|#1:Currency|} = \"EUR\""),
            V1Lock,
            "Full",
            V1Lock + "  3 Currency string optional\n",
            At("CTR040", DiagnosticSeverity.Warning, 1).WithMessage("'shop.order-placed.Currency' (index 3, string) is a new optional member, not recorded in contracts.lock"));

    [Fact]
    public Task A_required_member_added_breaks_backward_readers() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note, string {|#1:Currency|}"),
            V1Lock,
            "Backward",
            null,
            At("CTR044", DiagnosticSeverity.Error, 1).WithMessage("'shop.order-placed.Currency' (index 3, string) is required and not recorded; a message written before it has none, so its reader would invent a value. Give it a default value or make it nullable"));

    [Fact]
    public Task A_required_member_added_is_safe_for_forward_readers_and_recorded() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note, string {|#1:Currency|}"),
            V1Lock,
            "Forward",
            V1Lock + "  3 Currency string required\n",
            At("CTR044", DiagnosticSeverity.Warning, 1));

    [Fact]
    public Task A_removed_required_member_breaks_forward_readers() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, [property: MemberIndex(2)] string? Note"),
            V1Lock,
            "Full",
            null,
            At("CTR042", DiagnosticSeverity.Error).WithMessage("'shop.order-placed.Total' (index 1, required) was removed; a reader of the recorded version gets no value for it from new messages. Keep it, or make it optional first"));

    [Fact]
    public Task A_removed_member_is_recorded_as_retired_when_the_mode_allows_it() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total"),
            V1Lock,
            "Backward",
            V1Lock.Replace("  2 Note string? optional\n", "  2 Note string? optional retired\n", System.StringComparison.Ordinal),
            At("CTR042", DiagnosticSeverity.Warning).WithMessage("'shop.order-placed.Note' (index 2) was removed; record it as retired so its index is never reused"));

    [Fact]
    public Task A_retired_index_taken_by_another_member_is_an_error_in_every_mode() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, int {|#1:Count|}"),
            V1Lock.Replace("  2 Note string? optional\n", "  2 Note string? optional retired\n", System.StringComparison.Ordinal),
            "Forward",
            null,
            At("CTR042", DiagnosticSeverity.Error, 1).WithMessage("'shop.order-placed.Count' takes index 2, recorded for the removed member 'Note' (string?); a reader of the recorded version reads it as 'Note'. Give it a new index with [MemberIndex]"));

    [Fact]
    public Task A_member_inserted_before_others_moves_them_and_is_an_error() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, string? Coupon, decimal {|#1:Total|}, string? {|#2:Note|}"),
            V1Lock,
            "Backward",
            null,
            At("CTR042", DiagnosticSeverity.Error, 1).WithMessage("'shop.order-placed.Total' moved from index 1 to 2; a reader of the recorded version reads another member's value into it. Pin it with [MemberIndex(1)]"),
            At("CTR042", DiagnosticSeverity.Error, 2));

    [Fact]
    public Task A_widened_integer_is_safe_backward_and_recorded() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, long {|#1:Count|}"),
            LockTest.Header + "contract shop.order-placed v1 event Shop.OrderPlaced\n  0 OrderId guid required key\n  1 Count int32 required\n",
            "Backward",
            LockTest.Header + "contract shop.order-placed v1 event Shop.OrderPlaced\n  0 OrderId guid required key\n  1 Count int64 required\n",
            At("CTR043", DiagnosticSeverity.Warning, 1).WithMessage("'shop.order-placed.Count' is recorded as int32 and is now int64, which is readable by new readers only (a reader of the recorded version may fail on new values); the project's compatibility is Backward"));

    [Fact]
    public Task A_widened_integer_breaks_forward_readers() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, long {|#1:Count|}"),
            LockTest.Header + "contract shop.order-placed v1 event Shop.OrderPlaced\n  0 OrderId guid required key\n  1 Count int32 required\n",
            "Forward",
            null,
            At("CTR043", DiagnosticSeverity.Error, 1));

    [Fact]
    public Task A_member_made_nullable_breaks_forward_readers_and_a_string_made_a_number_breaks_all() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, int {|#1:Total|}, string? Note"),
            V1Lock,
            "Backward",
            null,
            At("CTR043", DiagnosticSeverity.Error, 1).WithMessage("'shop.order-placed.Total' is recorded as decimal and is now int32, which is readable by neither reader; the project's compatibility is Backward"));

    [Fact]
    public Task A_changed_wire_name_is_an_error() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note", "Event(Name = \"shop.order-accepted\")"),
            V1Lock,
            null,
            null,
            At("CTR045", DiagnosticSeverity.Error).WithMessage("'Shop.OrderPlaced' is recorded as 'shop.order-placed v1' and its wire name is now 'shop.order-accepted'; messages and stored events of 'shop.order-placed v1' would no longer be read. Keep a contract for 'shop.order-placed v1' (another type with its name and version) and add the new one beside it"));

    [Fact]
    public Task A_bumped_version_without_the_old_one_kept_is_an_error() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note", "Event(Name = \"shop.order-placed\", Version = 2)"),
            V1Lock,
            null,
            null,
            At("CTR045", DiagnosticSeverity.Error));

    [Fact]
    public Task A_changed_kind_is_an_error() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note", "Command(Name = \"shop.order-placed\")"),
            V1Lock,
            null,
            null,
            At("CTR045", DiagnosticSeverity.Error).WithMessage("'shop.order-placed v1' is recorded as a event and is now a command; a event and a command are routed differently, so in-flight messages would go astray"));

    [Fact]
    public Task A_changed_idempotency_key_is_an_error() =>
        LockTest.VerifyAsync(
            Source("Guid OrderId, [property: IdempotencyKey] decimal Total, string? Note"),
            V1Lock,
            null,
            null,
            At("CTR046", DiagnosticSeverity.Error).WithMessage("the idempotency key of 'shop.order-placed v1' is recorded as (OrderId) and is now (Total); the inbox would no longer recognize a repeat of a message sent before the change. Keep the key, or give the contract a new version"));

    [Fact]
    public Task A_removed_contract_is_reported_at_its_line_of_the_lock_file() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note"),
            V1Lock + "contract shop.order-shipped v1 event Shop.OrderShipped\n  0 OrderId guid required\n",
            null,
            null,
            new DiagnosticResult("CTR047", DiagnosticSeverity.Error).WithSpan("contracts.lock", 7, 1, 7, 55)
                .WithMessage("'shop.order-shipped v1' (event Shop.OrderShipped) is recorded but no contract in the project has that name and version; its messages and stored events could no longer be read. Restore it, or delete its block from contracts.lock once nothing holds such messages"));

    [Fact]
    public Task A_version_2_beside_the_kept_version_1_is_new_and_recorded() =>
        LockTest.VerifyAsync(
            """
            using System;
            using Contracts;

            namespace Shop;

            [Event(Name = "shop.order-placed")] public partial record OrderPlacedV1([property: IdempotencyKey] Guid OrderId, decimal Total, string? Note);
            [Event(Name = "shop.order-placed", Version = 2)] public partial record {|#0:OrderPlaced|}([property: IdempotencyKey] Guid OrderId, decimal Total, string? Note, string Currency = "EUR");
            """,
            V1Lock,
            "Full",
            V1Lock.Replace("event Shop.OrderPlaced\n", "event Shop.OrderPlacedV1\n", System.StringComparison.Ordinal) + """
            contract shop.order-placed v2 event Shop.OrderPlaced
              0 OrderId guid required key
              1 Total decimal required
              2 Note string? optional
              3 Currency string optional

            """,
            new DiagnosticResult("CTR040", DiagnosticSeverity.Warning).WithSpan(6, 59, 6, 72)
                .WithMessage("'shop.order-placed v1' is recorded with the type 'Shop.OrderPlaced' and is now 'Shop.OrderPlacedV1' (the wire is unchanged)"),
            At("CTR040", DiagnosticSeverity.Warning).WithMessage("'shop.order-placed v2' (event Shop.OrderPlaced) is not recorded in contracts.lock"));

    [Fact]
    public Task An_unreadable_line_and_an_unknown_mode_are_reported_and_the_rest_is_checked() =>
        LockTest.VerifyAsync(
            Source("[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note"),
            V1Lock + "  x Broken\n",
            "Sideways",
            null,
            new DiagnosticResult("CTR048", DiagnosticSeverity.Warning).WithSpan("contracts.lock", 1, 1, 1, 112)
                .WithMessage("ContractsCompatibility is 'Sideways', which is not Backward, Forward or Full; Backward is checked"),
            new DiagnosticResult("CTR048", DiagnosticSeverity.Warning).WithSpan("contracts.lock", 7, 1, 7, 11)
                .WithMessage("contracts.lock line 7: expected '<index> <name> <wire type> required|optional [key] [retired]'; the line is not checked"));
}
