using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Tool.Tests;

/// <summary>The steps every source shares: fail messages with a real bus, then look at them through the tool.</summary>
internal static class Scenario
{
    public static ContractDescriptor<T> Of<T>()
        where T : class, IContract<T> => T.Contract;

    /// <summary>Sends <paramref name="count"/> charges, which the failing handler dead-letters.</summary>
    public static async Task<List<ChargeCard>> FailChargesAsync(IHost host, int count)
    {
        var sent = new List<ChargeCard>();
        for (int i = 0; i < count; i++)
        {
            var charge = new ChargeCard(Guid.NewGuid(), 10m + i, "EUR");
            await host.Bus().SendAsync(charge, cancellationToken: TestContext.Current.CancellationToken);
            sent.Add(charge);
        }

        return sent;
    }

    /// <summary>The dead letters the tool lists, as JSON, once there are <paramref name="count"/> of them.</summary>
    public static async Task<JsonElement[]> ListWhenAsync(string[] source, int count)
    {
        JsonElement[] letters = [];
        await Wait.UntilAsync(
            async () =>
            {
                ToolRun list = (await ToolRun.RunAsync(["dead-letters", "list", .. source, "--json"])).Expect(ExitCodes.Success);
                letters = [.. list.Json().GetProperty("deadLetters").EnumerateArray()];
                return letters.Length == count;
            },
            $"the tool lists {count} dead letters",
            TimeSpan.FromSeconds(30));
        return letters;
    }

    /// <summary>
    /// What every source must do with three dead letters of <paramref name="sent"/>: list them (table and JSON), show one
    /// with its failure and its payload, replay one that <paramref name="ledger"/>'s handler then handles exactly once,
    /// refuse to replay it twice, and purge the rest. <paramref name="handledWithin"/> bounds the replay's pick-up.
    /// </summary>
    public static async Task ListShowReplayPurgeAsync(string[] source, List<ChargeCard> sent, Ledger ledger, TimeSpan handledWithin, TimeSpan settle)
    {
        JsonElement[] letters = await ListWhenAsync(source, sent.Count);
        HashSet<Guid> messageIds = [.. letters.Select(l => l.GetProperty("messageId").GetGuid())];
        foreach (JsonElement letter in letters)
        {
            Assert.Equal("tooltests.charge-card", letter.GetProperty("endpoint").GetString());
            Assert.Equal("tooltests.charge-card", letter.GetProperty("contract").GetString());
            Assert.Equal(1, letter.GetProperty("version").GetInt32());
            Assert.Equal("Failed", letter.GetProperty("reason").GetString());
            Assert.Equal(typeof(InvalidOperationException).FullName, letter.GetProperty("exceptionType").GetString());
            Assert.False(letter.TryGetProperty("stackTrace", out _), "list leaves the stack trace to show");
        }

        // Every sent charge is there once, by its idempotency key.
        string[] keys = [.. letters.Select(l => l.GetProperty("idempotencyKey").GetString()!).Order(StringComparer.Ordinal)];
        string[] expectedKeys = [.. sent.Select(c => Of<ChargeCard>().GetIdempotencyKey(c)!).Order(StringComparer.Ordinal)];
        Assert.Equal(expectedKeys, keys);
        Assert.Equal(letters.Length, messageIds.Count);

        ToolRun table = (await ToolRun.RunAsync(["dead-letters", "list", .. source])).Expect(ExitCodes.Success);
        Assert.Contains("tooltests.charge-card", table.Output, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException: Card declined", table.Output, StringComparison.Ordinal);
        Assert.Contains($"{sent.Count} dead letter(s)", table.Output, StringComparison.Ordinal);

        // Show: the failure with its stack trace, and the payload that reads back as the command that failed.
        JsonElement first = letters[0];
        long id = first.GetProperty("id").GetInt64();
        JsonElement shown = (await ToolRun.RunAsync(["dead-letters", "show", id.ToString(System.Globalization.CultureInfo.InvariantCulture), .. source, "--json"])).Expect(ExitCodes.Success).Json();
        Assert.Equal(id, shown.GetProperty("id").GetInt64());
        Assert.Contains(nameof(ChargeCardHandler), shown.GetProperty("stackTrace").GetString(), StringComparison.Ordinal);
        ChargeCard failed = Of<ChargeCard>().DeserializeTyped(shown.GetProperty("payload").GetBytesFromBase64());
        Assert.Contains(failed, sent);
        Assert.Contains(failed.PaymentId.ToString(), shown.GetProperty("exceptionMessage").GetString(), StringComparison.Ordinal);
        ToolRun showTable = (await ToolRun.RunAsync(["dead-letters", "show", id.ToString(System.Globalization.CultureInfo.InvariantCulture), .. source])).Expect(ExitCodes.Success);
        Assert.Contains("Stack trace:", showTable.Output, StringComparison.Ordinal);
        Assert.Contains(failed.PaymentId.ToString(), showTable.Output, StringComparison.Ordinal);

        // An id that is not there: exit code 3, and a message that names it.
        ToolRun unknown = (await ToolRun.RunAsync(["dead-letters", "show", "999999999", .. source])).Expect(ExitCodes.NotFound);
        Assert.Contains("No dead letter 999999999", unknown.Error, StringComparison.Ordinal);

        // Replay: the handler works now; the replayed message is handled once, the others stay dead letters.
        ledger.Failing = false;
        int attemptsBefore = sent.Sum(c => ledger.Attempts.GetValueOrDefault(c.PaymentId));
        string idText = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        JsonElement replayed = (await ToolRun.RunAsync(["dead-letters", "replay", idText, .. source, "--json"])).Expect(ExitCodes.Success).Json();
        Assert.Equal(id, replayed.GetProperty("id").GetInt64());
        Assert.Equal("tooltests.charge-card", replayed.GetProperty("endpoint").GetString());
        await Wait.UntilAsync(() => ledger.HandledCount(failed.PaymentId) == 1, $"a bus handles the replayed payment {failed.PaymentId}", handledWithin);

        ToolRun again = (await ToolRun.RunAsync(["dead-letters", "replay", idText, .. source])).Expect(ExitCodes.NotFound);
        Assert.Contains($"No dead letter {id}", again.Error, StringComparison.Ordinal);

        JsonElement[] left = await ListWhenAsync(source, sent.Count - 1);
        Assert.DoesNotContain(left, l => l.GetProperty("id").GetInt64() == id);

        // Long enough for any second delivery (a poll, a redelivery) to have happened: still once, nothing else ran.
        await Task.Delay(settle);
        Assert.Equal(1, ledger.HandledCount(failed.PaymentId));
        Assert.Equal(attemptsBefore + 1, sent.Sum(c => ledger.Attempts.GetValueOrDefault(c.PaymentId)));
        Assert.Equal(1, ledger.Handled.Values.Sum());

        // Purge: nothing failed an hour ago; then all of them.
        JsonElement none = (await ToolRun.RunAsync(["dead-letters", "purge", "--before", "1h", .. source, "--json"])).Expect(ExitCodes.Success).Json();
        Assert.Equal(0, none.GetProperty("purged").GetInt32());
        await ListWhenAsync(source, sent.Count - 1);
        ToolRun purge = (await ToolRun.RunAsync(["dead-letters", "purge", .. source])).Expect(ExitCodes.Success);
        Assert.Contains($"Purged {sent.Count - 1} dead letter(s)", purge.Output, StringComparison.Ordinal);
        await ListWhenAsync(source, 0);
        ToolRun empty = (await ToolRun.RunAsync(["dead-letters", "list", .. source])).Expect(ExitCodes.Success);
        Assert.Contains("No dead letters", empty.Output, StringComparison.Ordinal);
    }
}
