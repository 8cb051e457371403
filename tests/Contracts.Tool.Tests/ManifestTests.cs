using Contracts.Tool.Catalog;

namespace Contracts.Tool.Tests;

/// <summary>The module manifest the generator writes, as the tool reads it.</summary>
public sealed class ManifestTests
{
    [Fact]
    public void A_saga_step_line_is_read_as_a_handler_of_its_message_and_an_unknown_line_is_refused()
    {
        Manifest manifest = Manifest.Parse(
            "C\tshop.place-order\t1\tglobal::Shop.PlaceOrder\n" +
            "H\tEvent\tglobal::Shop.OrderPlaced\tglobal::Shop.Mailer\n" +
            "S\tCommand\tglobal::Shop.PlaceOrder\tglobal::Shop.OrderSaga\n");

        Assert.Equal("global::Shop.PlaceOrder", Assert.Single(manifest.Contracts).TypeName);
        Assert.Equal(
            [new ManifestHandler("Event", "global::Shop.OrderPlaced", "global::Shop.Mailer"), new ManifestHandler("Command", "global::Shop.PlaceOrder", "global::Shop.OrderSaga")],
            manifest.Handlers);
        ToolException refused = Assert.Throws<ToolException>(() => Manifest.Parse("X\tsomething new\n"));
        Assert.Contains("does not understand", refused.Message, System.StringComparison.Ordinal);
    }
}
