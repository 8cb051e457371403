using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>
/// A write that claims rows commits in the next group commit even when its caller stopped waiting: the caller holds
/// nothing, so the rows are given back instead of staying claimed, undelivered, under the bus's renewed claims.
/// </summary>
public sealed class GaveUpTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_send_whose_caller_gave_up_is_free_for_any_bus_once_written()
    {
        using var database = new TempDatabase();
        await using var store = new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString });
        await store.InitializeAsync(Cancel);
        using var gaveUp = new CancellationTokenSource();
        await gaveUp.CancelAsync();

        // Queued for the writer before the wait is cancelled: it is written all the same.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => store.Queue.EnqueueAsync([Record("A", 1)], new StoreClaim("sender", DateTimeOffset.UtcNow.AddMinutes(5)), gaveUp.Token).AsTask());

        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue WHERE owner IS NULL") == 1, "the written row is given back");
        IReadOnlyList<MessageRecord> taken = await store.Queue.ClaimAsync(["A"], new StoreClaim("other", DateTimeOffset.UtcNow.AddMinutes(5)), 10, Cancel);
        Assert.Equal("key-1", Assert.Single(taken).IdempotencyKey);
        Assert.Equal(1, Assert.Single(taken).Deliveries);
    }

    [Fact]
    public async Task Rows_of_a_claim_whose_caller_gave_up_are_given_back_with_their_count()
    {
        using var database = new TempDatabase();
        await using var store = new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = database.ConnectionString });
        await store.InitializeAsync(Cancel);
        await store.Queue.EnqueueAsync([Record("A", 1), Record("A", 2)], new StoreClaim("sender", DateTimeOffset.UtcNow.AddMinutes(5)), Cancel);
        await store.Queue.ReleaseAsync("sender", Cancel);
        using var gaveUp = new CancellationTokenSource();
        await gaveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => store.Queue.ClaimAsync(["A"], new StoreClaim("bus", DateTimeOffset.UtcNow.AddMinutes(5)), 10, gaveUp.Token).AsTask());
        // Writes commit in order: once this one has, so has the claim, and the rows are free only if given back since.
        await store.Queue.RenewAsync(new StoreClaim("nobody", DateTimeOffset.UtcNow.AddMinutes(5)), Cancel);

        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue WHERE owner IS NULL AND deliveries = 0") == 2, "the claimed rows are given back");
        Assert.Equal(0, await store.Queue.RenewAsync(new StoreClaim("bus", DateTimeOffset.UtcNow.AddMinutes(5)), Cancel));
    }

    private static MessageRecord Record(string endpoint, int n) => new()
    {
        Endpoint = endpoint,
        MessageId = Guid.CreateVersion7(),
        ContractName = "Test.Contract",
        ContractVersion = 1,
        CorrelationId = Guid.NewGuid(),
        IdempotencyKey = $"key-{n}",
        SentAt = DateTimeOffset.UtcNow,
        Payload = new byte[] { 0x91, (byte)n },
    };
}
