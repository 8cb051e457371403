using System;
using System.Globalization;
using System.Threading;

namespace Contracts.Runtime.Tests;

public sealed partial class IdempotencyKeyTests
{
    [Command] public partial record ChargeCard([property: IdempotencyKey] Guid PaymentId, [property: IdempotencyKey] decimal Amount, string Note);
    [Command] public partial record RefundCard([property: IdempotencyKey] Guid PaymentId, [property: IdempotencyKey] decimal Amount, string Note);
    [Command] public partial record TwoStrings([property: IdempotencyKey] string? First, [property: IdempotencyKey] string? Second);
    [Command] public partial record AtInstant([property: IdempotencyKey] DateTimeOffset At, [property: IdempotencyKey] int Quantity);
    [Command] public partial record NoKey(Guid Id, string Text);

    private static string? Key<T>(T message)
        where T : class, IContract<T> => T.GetIdempotencyKey(message);

    private static readonly Guid s_payment = Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff");

    [Fact]
    public void The_same_values_give_the_same_key_and_non_key_members_do_not_count()
    {
        string? first = Key(new ChargeCard(s_payment, 10m, "first try"));
        string? second = Key(new ChargeCard(s_payment, 10m, "second try"));

        Assert.NotNull(first);
        Assert.Equal(first, second);
        Assert.NotEqual(first, Key(new ChargeCard(Guid.NewGuid(), 10m, "first try")));
        Assert.NotEqual(first, Key(new ChargeCard(s_payment, 11m, "first try")));
    }

    [Fact]
    public void The_contract_name_is_part_of_the_key()
    {
        Assert.NotEqual(Key(new ChargeCard(s_payment, 10m, "")), Key(new RefundCard(s_payment, 10m, "")));
        Assert.StartsWith(Descriptor.Of<ChargeCard>().Name, Key(new ChargeCard(s_payment, 10m, "")));
    }

    [Fact]
    public void A_decimals_scale_does_not_change_the_key()
    {
        Assert.Equal(Key(new ChargeCard(s_payment, 1.5m, "")), Key(new ChargeCard(s_payment, 1.50m, "")));
        Assert.Equal(Key(new ChargeCard(s_payment, 100m, "")), Key(new ChargeCard(s_payment, 100.000m, "")));
        Assert.Equal(Key(new ChargeCard(s_payment, 0m, "")), Key(new ChargeCard(s_payment, 0.00m, "")));
        Assert.NotEqual(Key(new ChargeCard(s_payment, 1.5m, "")), Key(new ChargeCard(s_payment, 15m, "")));
    }

    [Fact]
    public void A_separator_inside_a_string_cannot_forge_another_key()
    {
        Assert.NotEqual(Key(new TwoStrings("a|b", "c")), Key(new TwoStrings("a", "b|c")));
        Assert.NotEqual(Key(new TwoStrings("a|1:b", null)), Key(new TwoStrings("a", "b")));
        Assert.NotEqual(Key(new TwoStrings(null, "x")), Key(new TwoStrings("", "x")));
        Assert.NotEqual(Key(new TwoStrings(null, "x")), Key(new TwoStrings("~", "x")));
        Assert.Equal(Key(new TwoStrings("a|b", "c")), Key(new TwoStrings("a|b", "c")));
    }

    [Fact]
    public void Keys_do_not_depend_on_the_current_culture_or_the_offset_of_an_instant()
    {
        var at = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        string? invariant = Key(new AtInstant(at, 125));
        string? charge = Key(new ChargeCard(s_payment, 1234.5m, ""));
        CultureInfo previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal(invariant, Key(new AtInstant(at.ToOffset(TimeSpan.FromHours(5)), 125)));
            Assert.Equal(charge, Key(new ChargeCard(s_payment, 1234.50m, "")));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }

        Assert.NotEqual(invariant, Key(new AtInstant(at.AddTicks(1), 125)));
    }

    [Fact]
    public void A_contract_without_key_members_has_no_key()
    {
        Assert.Null(Key(new NoKey(Guid.NewGuid(), "x")));
        Assert.Null(Descriptor.Of<NoKey>().GetIdempotencyKey(new NoKey(Guid.Empty, "")));
    }
}
