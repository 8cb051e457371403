using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Tool.DeadLetters;

/// <summary>
/// The dead-letter table of a store (SQLite or PostgreSQL), opened with the store's own type, so the tool reads and
/// writes the rows exactly as the buses do. A replay is the store's own <see cref="IDeadLetterStore.ReplayAsync"/>:
/// the letter goes and its message is queued on its endpoint as attempt 1, in one commit. There is no bus in this
/// process to hand the message to, so the queued row carries a claim that has already run out (as if its bus had died):
/// it belongs to nobody, and the first bus on the same database that consumes the endpoint claims it (a running bus
/// within a third of its claim duration, or at once when woken; a bus starting later at its start), under the
/// same claims as every other row, so two buses never both take it.
/// </summary>
internal sealed class StoreDeadLetterSource(IMessageStore store, string description, Func<CancellationToken, ValueTask>? wake, string pickUp) : DeadLetterSource
{
    /// <summary>The claim a replayed row carries: owned by no running bus, and run out since 1970.</summary>
    internal static readonly StoreClaim Unclaimed = new("contracts-tool", DateTimeOffset.UnixEpoch);

    public override string Description => description;

    protected override ValueTask<IReadOnlyList<DeadLetter>> ListAsync(long afterId, int limit, CancellationToken cancellationToken) =>
        store.DeadLetters.ListAsync(afterId, limit, cancellationToken);

    public override ValueTask<DeadLetter?> GetAsync(long id, CancellationToken cancellationToken) => store.DeadLetters.FindAsync(id, cancellationToken);

    public override async ValueTask<DeadLetter?> ReplayAsync(long id, CancellationToken cancellationToken)
    {
        if (await store.DeadLetters.FindAsync(id, cancellationToken).ConfigureAwait(false) is not { } letter)
        {
            return null;
        }

        if (letter.Message.Endpoint.Length == 0)
        {
            throw new ToolException(
                ExitCodes.Failed,
                $"Dead letter {id} ({letter.Message.ContractName} v{letter.Message.ContractVersion}) has no endpoint: it is an outbox record that no endpoint took when it was relayed. " +
                "A bus routes it by its contract: replay it from a bus with IDeadLetters.ReplayAsync, or purge it.");
        }

        MessageRecord requeued = letter.Message.ForReplay();
        if (!await store.DeadLetters.ReplayAsync(id, requeued, Unclaimed, cancellationToken).ConfigureAwait(false))
        {
            return null; // Replayed or purged by someone else between the read and the write.
        }

        if (wake is not null)
        {
            await wake(cancellationToken).ConfigureAwait(false);
        }

        return letter;
    }

    public override string AfterReplay(DeadLetter letter) =>
        $"It waits in the queue of endpoint '{letter.Message.Endpoint}', claimed by no bus: {pickUp}";

    public override ValueTask<int> PurgeAsync(DateTimeOffset? failedBefore, CancellationToken cancellationToken) =>
        store.DeadLetters.PurgeAsync(failedBefore, cancellationToken);

    public override ValueTask DisposeAsync() => store.DisposeAsync();
}
