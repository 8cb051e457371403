using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;

namespace Contracts.Tool.Tests;

/// <summary>
/// <c>contracts asyncapi</c> of this test assembly: the AsyncAPI 3.0 shape (channels, operations, messages) held to the
/// compiled catalog. scripts/asyncapi.sh validates the Shop sample's document with the official parser.
/// </summary>
public sealed class AsyncApiTests
{
    private static readonly string s_assembly = typeof(ChargeCard).Assembly.Location;

    private static async Task<JsonElement> DocumentAsync() => (await ToolRun.RunAsync("asyncapi", s_assembly)).Expect(ExitCodes.Success).Json();

    [Fact]
    public async Task Each_contract_has_a_message_a_channel_at_its_address_and_a_send_operation_and_each_handler_a_receive()
    {
        JsonElement document = await DocumentAsync();
        Assert.Equal("3.0.0", document.GetProperty("asyncapi").GetString());
        Assert.Equal(typeof(ChargeCard).Assembly.GetName().Name, document.GetProperty("info").GetProperty("title").GetString());

        JsonElement messages = document.GetProperty("components").GetProperty("messages");
        // Sorted ordinally by message id (wire name and version); FindPayment has the default wire name, its type's full name.
        Assert.Equal(["Contracts.Tool.Tests.FindPayment.v1", "tooltests.card-charged.v2", "tooltests.charge-card.v1"], messages.EnumerateObject().Select(m => m.Name));
        Assert.Equal("tooltests.card-charged", messages.GetProperty("tooltests.card-charged.v2").GetProperty("name").GetString());
        Assert.Equal("2", messages.GetProperty("tooltests.card-charged.v2").GetProperty("headers").GetProperty("properties").GetProperty("contracts-version").GetProperty("const").GetString());

        JsonElement channels = document.GetProperty("channels");
        Assert.Equal("tooltests.charge-card", channels.GetProperty("tooltests.charge-card.v1").GetProperty("address").GetString());
        Assert.Equal("tooltests.card-charged.v2", channels.GetProperty("tooltests.card-charged.v2").GetProperty("address").GetString());
        // An event's handler has its own subscription: a channel of its own.
        Assert.Equal("tooltests.card-charged.v2/" + typeof(CardChargedHandler).FullName, channels.GetProperty("tooltests.card-charged.v2.Contracts.Tool.Tests.CardChargedHandler").GetProperty("address").GetString());

        JsonElement operations = document.GetProperty("operations");
        Assert.Equal(3, operations.EnumerateObject().Count(o => o.Value.GetProperty("action").GetString() == "send"));
        Assert.Equal(3, operations.EnumerateObject().Count(o => o.Value.GetProperty("action").GetString() == "receive"));
        JsonElement receive = operations.GetProperty("receive.tooltests.charge-card.v1.Contracts.Tool.Tests.ChargeCardHandler");
        Assert.Equal("#/channels/tooltests.charge-card.v1", receive.GetProperty("channel").GetProperty("$ref").GetString());
        Assert.Equal("#/channels/tooltests.charge-card.v1/messages/tooltests.charge-card.v1", receive.GetProperty("messages")[0].GetProperty("$ref").GetString());

        // Every reference points at something the document has.
        foreach (JsonElement operation in operations.EnumerateObject().Select(o => o.Value))
        {
            string channel = operation.GetProperty("channel").GetProperty("$ref").GetString()!["#/channels/".Length..];
            Assert.True(channels.TryGetProperty(channel, out JsonElement target), channel);
            string message = operation.GetProperty("messages")[0].GetProperty("$ref").GetString()!.Split('/')[^1];
            Assert.True(target.GetProperty("messages").TryGetProperty(message, out _), message);
        }
    }

    [Fact]
    public async Task The_payload_schema_puts_each_member_at_its_wire_index()
    {
        JsonElement schema = (await DocumentAsync()).GetProperty("components").GetProperty("schemas").GetProperty("tooltests.card-charged.v2");
        Assert.Equal("array", schema.GetProperty("type").GetString());
        JsonElement[] items = [.. schema.GetProperty("items").EnumerateArray()];

        // As `contracts catalog` numbers them: PaymentId 0, Lines 1, Points 2, Receipt pinned to 3.
        Assert.Equal(["PaymentId", "Lines", "Points", "Receipt"], items.Select(i => i.GetProperty("title").GetString()));
        Assert.Equal("guid", items[0].GetProperty("x-contracts-wire").GetString());
        Assert.Equal("array", items[1].GetProperty("type").GetString());
        Assert.Equal("int32", items[2].GetProperty("format").GetString());
        Assert.Equal(["string", "null"], items[3].GetProperty("type").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task The_document_is_the_same_bytes_every_run_and_output_writes_it_without_a_byte_order_mark()
    {
        string file = Path.Combine(Path.GetTempPath(), "contracts-asyncapi-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            ToolRun printed = (await ToolRun.RunAsync("asyncapi", s_assembly)).Expect(ExitCodes.Success);
            ToolRun again = (await ToolRun.RunAsync("asyncapi", s_assembly)).Expect(ExitCodes.Success);
            (await ToolRun.RunAsync("asyncapi", s_assembly, "--output", file)).Expect(ExitCodes.Success);

            Assert.Equal(printed.Output, again.Output);
            byte[] bytes = await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken);
            Assert.NotEqual(0xEF, bytes[0]);
            Assert.Equal(printed.Output, System.Text.Encoding.UTF8.GetString(bytes));
            Assert.DoesNotContain('\r', printed.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_missing_assembly_and_an_unknown_option_are_clear_errors()
    {
        ToolRun missing = (await ToolRun.RunAsync("asyncapi", "/nowhere/App.dll")).Expect(ExitCodes.NotFound);
        Assert.Contains("No assembly at '/nowhere/App.dll'", missing.Error, StringComparison.Ordinal);
        ToolRun unknown = (await ToolRun.RunAsync("asyncapi", s_assembly, "--format", "yaml")).Expect(ExitCodes.Usage);
        Assert.Contains("'asyncapi' has no option --format", unknown.Error, StringComparison.Ordinal);
    }
}
