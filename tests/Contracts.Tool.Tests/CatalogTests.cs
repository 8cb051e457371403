using System;
using System.Buffers;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using MessagePack;

namespace Contracts.Tool.Tests;

/// <summary><c>contracts catalog</c> of this test assembly, held to what the generator compiled into it.</summary>
public sealed class CatalogTests
{
    private static readonly string s_assembly = typeof(ChargeCard).Assembly.Location;

    private static async Task<JsonElement> CatalogAsync() => (await ToolRun.RunAsync("catalog", s_assembly, "--json")).Expect(ExitCodes.Success).Json();

    private static JsonElement Contract(JsonElement catalog, string name) =>
        catalog.GetProperty("contracts").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Names_versions_kinds_and_results_are_the_compiled_descriptors()
    {
        JsonElement catalog = await CatalogAsync();
        Assert.Equal(typeof(ChargeCard).Assembly.GetName().Name, catalog.GetProperty("assembly").GetString());
        Assert.Equal(3, catalog.GetProperty("contracts").GetArrayLength());
        foreach (ContractDescriptor descriptor in new ContractDescriptor[] { Scenario.Of<ChargeCard>(), Scenario.Of<CardCharged>(), Scenario.Of<FindPayment>() })
        {
            JsonElement contract = Contract(catalog, descriptor.Name);
            Assert.Equal(descriptor.Version, contract.GetProperty("version").GetInt32());
            Assert.Equal(descriptor.Kind.ToString().ToLowerInvariant(), contract.GetProperty("kind").GetString());
            Assert.Equal(descriptor.ClrType.FullName, contract.GetProperty("type").GetString());
        }

        Assert.Equal(2, Contract(catalog, "tooltests.card-charged").GetProperty("version").GetInt32());
        Assert.Equal(typeof(PaymentView).FullName, Contract(catalog, Scenario.Of<FindPayment>().Name).GetProperty("result").GetString());
        Assert.False(Contract(catalog, "tooltests.charge-card").TryGetProperty("result", out _));
    }

    [Fact]
    public async Task Member_indexes_are_where_the_generated_formatter_writes_each_member()
    {
        JsonElement card = Contract(await CatalogAsync(), "tooltests.card-charged");
        Dictionary<string, JsonElement> members = card.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);

        // Summary is computed: not on the wire. Receipt is pinned to 3; Lines and Points fill 1 and 2.
        Assert.Equal(["PaymentId", "Lines", "Points", "Receipt"], card.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.Equal([0, 1, 2, 3], card.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("index").GetInt32()));
        Assert.Equal("string?", members["Receipt"].GetProperty("wire").GetString());
        Assert.Equal("string?", members["Receipt"].GetProperty("type").GetString());
        Assert.Equal("string", Contract(await CatalogAsync(), "tooltests.charge-card").GetProperty("members")[2].GetProperty("type").GetString());
        Assert.Equal("array<int32>", members["Lines"].GetProperty("wire").GetString());
        Assert.Equal("IReadOnlyList<int>", members["Lines"].GetProperty("type").GetString());
        Assert.Equal("int32", members["Points"].GetProperty("wire").GetString());
        Assert.Equal("guid", members["PaymentId"].GetProperty("wire").GetString());

        // The bytes the generated formatter writes: an array with each member at the index the catalog gives.
        var message = new CardCharged(Guid.NewGuid(), "R-17", [4, 5, 6]) { Points = 42 };
        var buffer = new ArrayBufferWriter<byte>();
        Scenario.Of<CardCharged>().Serialize(buffer, message);
        object?[] fields = ReadArray(buffer.WrittenMemory);
        Assert.Equal(4, fields.Length);
        Assert.Equal("R-17", fields[members["Receipt"].GetProperty("index").GetInt32()]);
        Assert.Equal(42L, Convert.ToInt64(fields[members["Points"].GetProperty("index").GetInt32()], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3, ((object?[])fields[members["Lines"].GetProperty("index").GetInt32()]!).Length);
    }

    [Fact]
    public async Task Idempotency_keys_and_handlers_are_listed()
    {
        JsonElement catalog = await CatalogAsync();
        JsonElement charge = Contract(catalog, "tooltests.charge-card");
        Assert.Equal(["PaymentId"], charge.GetProperty("idempotencyKey").EnumerateArray().Select(k => k.GetString()));
        Assert.True(charge.GetProperty("members")[0].GetProperty("key").GetBoolean());
        Assert.Equal(0, Contract(catalog, "tooltests.card-charged").GetProperty("idempotencyKey").GetArrayLength());

        var handlers = catalog.GetProperty("handlers").EnumerateArray()
            .Select(h => (h.GetProperty("handler").GetString(), h.GetProperty("kind").GetString(), h.GetProperty("contract").GetString()))
            .ToList();
        Assert.Equal(
            [
                (typeof(CardChargedHandler).FullName, "event", "tooltests.card-charged"),
                (typeof(ChargeCardHandler).FullName, "command", "tooltests.charge-card"),
                (typeof(FindPaymentHandler).FullName, "query", Scenario.Of<FindPayment>().Name),
            ],
            handlers.Order());
    }

    [Fact]
    public async Task The_table_shows_contracts_members_and_handlers()
    {
        ToolRun table = (await ToolRun.RunAsync("catalog", s_assembly)).Expect(ExitCodes.Success);
        Assert.Contains("tooltests.card-charged", table.Output, StringComparison.Ordinal);
        Assert.Contains("INDEX", table.Output, StringComparison.Ordinal);
        Assert.Contains("IReadOnlyList<int>", table.Output, StringComparison.Ordinal);
        Assert.Contains(typeof(ChargeCardHandler).FullName!, table.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Summary", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_installed_command_reads_the_catalog_without_running_the_assemblys_code()
    {
        // ModuleInitializerProbe writes this file when the assembly's code runs in a process that has the variable.
        string marker = Path.Combine(Path.GetTempPath(), $"contracts-tool-ran-{Guid.NewGuid():N}");
        string tool = Path.Combine(AppContext.BaseDirectory, "contracts.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(tool);
        start.ArgumentList.Add("catalog");
        start.ArgumentList.Add(s_assembly);
        start.ArgumentList.Add("--json");
        start.Environment[ModuleInitializerProbe.Variable] = marker;
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string errors = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"contracts catalog exited {process.ExitCode}: {errors}");
        using JsonDocument json = JsonDocument.Parse(await output);
        Assert.Equal(3, json.RootElement.GetProperty("contracts").GetArrayLength());
        Assert.False(File.Exists(marker), "the tool ran code of the assembly it read");

        // The probe does leave its trace when it runs (here, called directly), so the check above can fail.
        ModuleInitializerProbe.Ran(marker);
        Assert.True(File.Exists(marker));
        File.Delete(marker);
    }

    [Fact]
    public async Task An_assembly_without_contracts_a_file_that_is_not_one_and_a_missing_file_fail_clearly()
    {
        ToolRun plain = (await ToolRun.RunAsync("catalog", typeof(MessagePackSerializer).Assembly.Location)).Expect(ExitCodes.Failed);
        Assert.Contains("has no Contracts module", plain.Error, StringComparison.Ordinal);

        string text = Path.Combine(Path.GetTempPath(), $"contracts-tool-{Guid.NewGuid():N}.dll");
        await File.WriteAllTextAsync(text, "not an assembly", TestContext.Current.CancellationToken);
        try
        {
            ToolRun garbage = (await ToolRun.RunAsync("catalog", text, "--json")).Expect(ExitCodes.Failed);
            Assert.Contains("is not a .NET assembly", garbage.ErrorJson().GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(text);
        }

        (await ToolRun.RunAsync("catalog", "/nowhere/Missing.dll")).Expect(ExitCodes.NotFound);
    }

    [Fact]
    public async Task With_references_the_contracts_of_the_referenced_assemblies_beside_it_are_listed_too()
    {
        // The Shop sample: handlers in Shop.Handlers, contracts in Shop.Contracts, which the handlers reference.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        string handlers = Path.Combine(RepositoryRoot(), "samples", "Shop.Handlers", "bin", configuration, "net10.0", "Shop.Handlers.dll");

        JsonElement own = (await ToolRun.RunAsync("catalog", handlers, "--json")).Expect(ExitCodes.Success).Json();
        Assert.Equal(0, own.GetProperty("contracts").GetArrayLength());
        // PlaceOrder is taken by the order saga now; the payment handler takes ChargeCard (and RefundCard).
        JsonElement charge = own.GetProperty("handlers").EnumerateArray().Single(
            h => h.GetProperty("handler").GetString() == "Shop.Handlers.PaymentHandler" && h.GetProperty("contract").GetString() == "Shop.Contracts.ChargeCard");
        Assert.Equal("command", charge.GetProperty("kind").GetString());
        Assert.Equal("Shop.Handlers", charge.GetProperty("assembly").GetString());

        JsonElement all = (await ToolRun.RunAsync("catalog", handlers, "--references", "--json")).Expect(ExitCodes.Success).Json();
        JsonElement placeOrderContract = Contract(all, "Shop.Contracts.PlaceOrder");
        Assert.Equal("Shop.Contracts", placeOrderContract.GetProperty("assembly").GetString());
        Assert.Equal("command", placeOrderContract.GetProperty("kind").GetString());
        Assert.Equal(["OrderId"], placeOrderContract.GetProperty("idempotencyKey").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal("query", Contract(all, "Shop.Contracts.GetOrder").GetProperty("kind").GetString());
        Assert.Equal(own.GetProperty("handlers").GetArrayLength(), all.GetProperty("handlers").GetArrayLength());

        ToolRun table = (await ToolRun.RunAsync("catalog", handlers, "--references")).Expect(ExitCodes.Success);
        Assert.Contains("ASSEMBLY", table.Output, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Contracts.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Contracts.sln above {AppContext.BaseDirectory}.");
    }

    private static object?[] ReadArray(ReadOnlyMemory<byte> bytes)
    {
        var reader = new MessagePackReader(bytes);
        return ReadArray(ref reader);
    }

    private static object?[] ReadArray(ref MessagePackReader reader)
    {
        int count = reader.ReadArrayHeader();
        object?[] items = new object?[count];
        for (int i = 0; i < count; i++)
        {
            items[i] = reader.NextMessagePackType switch
            {
                MessagePackType.Array => ReadArray(ref reader),
                MessagePackType.String => reader.ReadString(),
                MessagePackType.Integer => reader.ReadInt64(),
                MessagePackType.Nil => reader.TryReadNil() ? null : null,
                _ => Skip(ref reader),
            };
        }

        return items;
    }

    private static string Skip(ref MessagePackReader reader)
    {
        MessagePackType type = reader.NextMessagePackType;
        reader.Skip();
        return type.ToString();
    }
}

/// <summary>
/// Code of this assembly that leaves a trace when it runs: a module initializer, which the runtime runs before any
/// other code of the assembly (the generated module's registration included), so a tool that called into the
/// assembly in any way would run it first.
/// </summary>
internal static class ModuleInitializerProbe
{
    public const string Variable = "CONTRACTS_TOOL_TESTS_RAN";

#pragma warning disable CA2255 // A module initializer is the point: it runs if anything executes this assembly.
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Ran()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } marker)
        {
            Ran(marker);
        }
    }

    internal static void Ran(string marker) => File.WriteAllText(marker, "ran");
}
