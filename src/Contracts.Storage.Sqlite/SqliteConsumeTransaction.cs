using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite;

/// <summary>
/// One delivery's transaction on an EffectivelyOnce endpoint: the handler's SQL, the messages it sends (outbox rows)
/// and the inbox key. SQLite has one writer at a time, so the delivery takes a turn on the store's writer (see
/// <see cref="SqliteMessageStore.JoinWriter"/>) only when the handler first asks for the transaction or at commit, not
/// while the handler waits on anything else. Its work runs in a savepoint of the writer's batch transaction: deliveries
/// queued together commit (and flush) together, and one that fails rolls back only its own work. The inbox row's
/// primary key decides a race between two deliveries of one key: the second one's record fails and its work is undone.
/// </summary>
internal sealed class SqliteConsumeTransaction(SqliteMessageStore store) : IConsumeTransaction
{
    private readonly SqliteMessageStore _store = store;
    private IWriterTurn? _turn;
    private SqliteTransaction? _transaction;
    private bool _finished;
    private bool _done;

    /// <summary>
    /// <paramref name="transaction"/> as a consume transaction of <paramref name="store"/>: what <paramref name="role"/>
    /// writes in it commits only in its own database.
    /// </summary>
    public static SqliteConsumeTransaction Of(IConsumeTransaction transaction, SqliteMessageStore store, string role)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction is SqliteConsumeTransaction sqlite && ReferenceEquals(sqlite._store, store) ? sqlite : throw new InvalidOperationException(
            $"The SQLite {role} of {store.DataSource} was given a consume transaction of another store ({transaction.GetType().Name}); " +
            "what it writes in a delivery's transaction commits only in its own database.");
    }

    /// <summary>The batch transaction, waiting for the delivery's turn (up to the store's busy timeout) on first use.</summary>
    public SqliteTransaction Transaction
    {
        get
        {
            if (_transaction is null)
            {
                IWriterTurn turn = Join();
                try
                {
                    if (!turn.Turn.Wait(turn.BusyTimeout))
                    {
                        throw TurnTimedOut(turn);
                    }
                }
                catch (AggregateException)
                {
                    // The batch failed before the turn came: GetResult below throws its error unwrapped.
                }

                _transaction = turn.Turn.GetAwaiter().GetResult();
            }

            return _transaction;
        }
    }

    /// <summary>The batch transaction, waited for asynchronously.</summary>
    public async ValueTask<SqliteTransaction> GetTransactionAsync(CancellationToken cancellationToken)
    {
        if (_transaction is null)
        {
            IWriterTurn turn = Join();
            try
            {
                _transaction = await turn.Turn.WaitAsync(turn.BusyTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw TurnTimedOut(turn);
            }
        }

        return _transaction;
    }

    public ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken) => _store.Inbox.ContainsAsync(endpoint, key, cancellationToken);

    public async ValueTask WriteOutboxAsync(MessageRecord record, CancellationToken cancellationToken) =>
        await new SqliteOutboxWriter(await GetTransactionAsync(cancellationToken).ConfigureAwait(false)).WriteAsync(record, cancellationToken).ConfigureAwait(false);

    public async ValueTask CommitAsync(string endpoint, string inboxKey, CancellationToken cancellationToken)
    {
        await GetTransactionAsync(cancellationToken).ConfigureAwait(false);
        IWriterTurn turn = _turn!;
        if (!turn.TryRecordInbox(endpoint, inboxKey))
        {
            throw new DuplicateMessageException(endpoint, inboxKey);
        }

        _finished = true;
        turn.Finish(keep: true);

        // Acknowledged only once durable: the batch this work is in commits after the deliveries queued with it.
        await turn.Committed.WaitAsync(cancellationToken).ConfigureAwait(false);
        _done = true;
    }

    public ValueTask DisposeAsync()
    {
        if (!_finished)
        {
            _finished = true;
            _turn?.Finish(keep: false);
        }

        _done = true;
        return ValueTask.CompletedTask;
    }

    private IWriterTurn Join()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        return _turn ??= _store.JoinWriter();
    }

    private static TimeoutException TurnTimedOut(IWriterTurn turn) => new(
        $"The delivery waited more than {turn.BusyTimeout} for its turn on the SQLite store's writer, held meanwhile by another handler's " +
        "consume transaction (SqliteStoreOptions.BusyTimeout). Keep handlers that use the transaction short.");
}
