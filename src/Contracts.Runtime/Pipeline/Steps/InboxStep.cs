using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Pipeline.Steps;

/// <summary>
/// The inbox of effectively-once endpoints: deliveries of one key run one at a time in this process, a key already
/// recorded is a duplicate, and a handled key is recorded (in the consume transaction when the store has them).
/// </summary>
internal sealed class InboxStep(IMessageStore store)
{
    private readonly bool _transactions = (store.Capabilities & StoreCapabilities.ConsumeTransactions) != 0;

    /// <summary>Inbox keys being handled in this process right now, per endpoint.</summary>
    private readonly ConcurrentDictionary<(string Endpoint, string Key), TaskCompletionSource> _handling = new();

    /// <summary>
    /// Waits until no other delivery of <paramref name="key"/> is being handled here (concurrent workers, a redelivery
    /// racing the original), then holds the key until the returned gate is released.
    /// </summary>
    public async ValueTask<KeyGate> EnterAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        (string, string) claim = (endpoint, key);
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (!_handling.TryAdd(claim, mine))
        {
            if (_handling.TryGetValue(claim, out TaskCompletionSource? other))
            {
                await other.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return new KeyGate(this, claim, mine);
    }

    /// <summary>A consume transaction for one attempt, or <see langword="null"/> when the store has none.</summary>
    public ValueTask<IConsumeTransaction?> BeginAsync(CancellationToken cancellationToken) =>
        _transactions ? Begin(cancellationToken) : ValueTask.FromResult<IConsumeTransaction?>(null);

    private async ValueTask<IConsumeTransaction?> Begin(CancellationToken cancellationToken) =>
        await store.BeginConsumeAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask<bool> SeenAsync(IConsumeTransaction? transaction, string endpoint, string key, CancellationToken cancellationToken) =>
        transaction is null ? store.Inbox.ContainsAsync(endpoint, key, cancellationToken) : transaction.IsInInboxAsync(endpoint, key, cancellationToken);

    /// <summary>Records the key: commits the transaction with it, or adds it after the fact without one.</summary>
    /// <exception cref="DuplicateMessageException">Another delivery of the key committed first; nothing was committed.</exception>
    public ValueTask RecordAsync(IConsumeTransaction? transaction, string endpoint, string key, CancellationToken cancellationToken) =>
        transaction is null ? store.Inbox.AddAsync(endpoint, key, cancellationToken) : transaction.CommitAsync(endpoint, key, cancellationToken);

    /// <summary>Holds one inbox key in this process; releasing it lets the next delivery of the key in.</summary>
    internal readonly struct KeyGate(InboxStep inbox, (string Endpoint, string Key) claim, TaskCompletionSource mine)
    {
        public void Release()
        {
            inbox._handling.TryRemove(new KeyValuePair<(string, string), TaskCompletionSource>(claim, mine));
            mine.TrySetResult();
        }
    }
}
