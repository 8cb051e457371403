using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// One delivery's transaction on an EffectivelyOnce endpoint: the handler's SQL, the messages it sends (outbox rows) and
/// the inbox key. It is a turn in a group transaction of the store (<see cref="PostgresConsumeGroups"/>), taken when it
/// begins: a savepoint of its own on the group's connection, set with the inbox check, and acknowledged once the group
/// commits. The inbox row's primary key decides a race between two deliveries of one key: the inbox row is written
/// first (<see cref="IsInInboxAsync"/>), so the second delivery's insert waits for the first one's group, and finds the
/// key once it commits. A second delivery of a key that the lane's open group inserted (from another bus of this process
/// on the same store: a bus's own deliveries of a key take turns) would find that uncommitted key in its own group: it
/// leaves the group and waits alone instead, so a duplicate is settled only once the first delivery committed. A
/// delivery whose attempt failed in a group runs its next attempt in a transaction of its own, on a connection of its
/// own, as does one whose key's insert lost a deadlock.
/// </summary>
internal sealed class PostgresConsumeTransaction : IConsumeTransaction
{
    private readonly PostgresMessageStore _store;
    private readonly PostgresConsumeGroups _groups;
    private PostgresConsumeGroups.Lane? _lane;
    private NpgsqlConnection? _ownConnection;
    private NpgsqlTransaction? _ownTransaction;
    private (string Endpoint, string Key)? _recorded;
    private TaskCompletionSource? _committed;
    private bool _begun;
    private bool _done;

    /// <summary>The transaction went with its connection (the server restarted, the network broke, the store closed), not for anything the handler did.</summary>
    private bool _lost;

    private PostgresConsumeTransaction(PostgresMessageStore store, PostgresConsumeGroups groups)
    {
        _store = store;
        _groups = groups;
    }

    /// <summary>
    /// The delivery's transaction, for the handler's SQL: the group's, which this delivery's turn holds from the inbox
    /// check on. First asked for before the check (outside a delivery), it waits for a turn.
    /// </summary>
    public NpgsqlTransaction Transaction =>
        _begun ? _lane?.Transaction ?? _ownTransaction! : GetTransactionAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <summary>The transaction's connection.</summary>
    public NpgsqlConnection Connection => Transaction.Connection!;

    /// <summary>
    /// <paramref name="transaction"/> as a consume transaction of <paramref name="store"/>: what <paramref name="role"/>
    /// writes in it commits only in its own database.
    /// </summary>
    public static PostgresConsumeTransaction Of(IConsumeTransaction transaction, PostgresMessageStore store, string role)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction is PostgresConsumeTransaction postgres && ReferenceEquals(postgres._store, store) ? postgres : throw new InvalidOperationException(
            $"The PostgreSQL {role} of schema '{store.Sql.Schema}' was given a consume transaction of another store ({transaction.GetType().Name}); " +
            "what it writes in a delivery's transaction commits only in its own database.");
    }

    /// <summary>A delivery's transaction, holding a turn on a lane whose connection is open (its savepoint is set with the inbox check).</summary>
    public static async ValueTask<IConsumeTransaction> BeginAsync(PostgresMessageStore store, PostgresConsumeGroups groups, CancellationToken cancellationToken)
    {
        var transaction = new PostgresConsumeTransaction(store, groups);
        PostgresConsumeGroups.Lane lane = await groups.TakeTurnAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await lane.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await transaction.EndTurnAsync(lane).ConfigureAwait(false);
            throw;
        }

        transaction._lane = lane;
        return transaction;
    }

    /// <summary>The transaction, setting this delivery's savepoint first if it has none yet.</summary>
    public async ValueTask<NpgsqlTransaction> GetTransactionAsync(CancellationToken cancellationToken)
    {
        if (!_begun)
        {
            await BeginWorkAsync(null, null, cancellationToken).ConfigureAwait(false);
        }

        return _lane?.Transaction ?? _ownTransaction!;
    }

    /// <summary>
    /// Records the key at once, in the transaction, instead of only reading it: the commit then only commits, and a
    /// second delivery of the key that runs meanwhile in another process waits here, on the key's row, for this one's
    /// group to end (then finds the key if it committed) instead of running its handler for nothing. A rollback removes
    /// the key with the rest.
    /// </summary>
    public async ValueTask<bool> IsInInboxAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        if (await BeginWorkAsync(endpoint, key, cancellationToken).ConfigureAwait(false))
        {
            _recorded = (endpoint, key);
            return false;
        }

        return true;
    }

    public async ValueTask WriteOutboxAsync(MessageRecord record, CancellationToken cancellationToken) =>
        await PostgresOutboxWriter.WriteAsync(await GetTransactionAsync(cancellationToken).ConfigureAwait(false), _store.Sql, record, cancellationToken).ConfigureAwait(false);

    public async ValueTask CommitAsync(string endpoint, string inboxKey, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_recorded != (endpoint, inboxKey))
        {
            await GetTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (!await InsertKeyAsync(endpoint, inboxKey, cancellationToken).ConfigureAwait(false))
            {
                throw new DuplicateMessageException(endpoint, inboxKey);
            }

            _recorded = (endpoint, inboxKey);
        }

        if (_ownTransaction is not null)
        {
            await _ownTransaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _done = true;
            _groups.SetAlone(endpoint, inboxKey, alone: false);
            return;
        }

        PostgresConsumeGroups.Lane lane = _lane!;
        _committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lane.Keep(this);
        _lane = null;
        _done = true;
        await EndTurnAsync(lane).ConfigureAwait(false);

        // Acknowledged only once durable: the group this work is in commits after the deliveries that took turns after it.
        await _committed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The attempt runs again when the database, not the handler, failed it. A deadlock victim or a serialization
    /// failure: PostgreSQL rolled the work back and asks for the transaction to be run again (grouped deliveries hold
    /// their locks until their group commits, so they meet in deadlocks that transactions of their own would not, even
    /// on one hot row; the next run is alone, on a transaction of its own). A transaction lost with its connection: the
    /// next run starts by opening one, and when the server is still away that fails the delivery's start, which leaves
    /// the message unsettled, to be delivered again, instead of spending its retries or sending it to dead letters.
    /// </summary>
    public bool RunsAgain(Exception error)
    {
        if (_lost || PostgresConsumeGroups.IsBroken(_lane?.Connection) || PostgresConsumeGroups.IsBroken(_ownConnection))
        {
            return true;
        }

        for (Exception? cause = error; cause is not null; cause = cause.InnerException)
        {
            // Besides the two the database asks to retry: the server going down under the statement (its connection ends).
            if (cause is PostgresException
                {
                    SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                        or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
                })
            {
                return true; // alone: disposing of a grouped turn whose key was recorded marks the key so
            }
        }

        return false;
    }

    /// <summary>The group committed this delivery's work.</summary>
    internal void Committed() => _committed?.TrySetResult();

    /// <summary>The group could not commit this delivery's work, because of what its handler did.</summary>
    internal void Fail(Exception error) => _committed?.TrySetException(error);

    /// <summary>The group could not commit this delivery's work: its connection was lost, and the server rolled it back.</summary>
    internal void Lost(Exception error)
    {
        _lost = true;
        _committed?.TrySetException(error);
    }

    public async ValueTask DisposeAsync()
    {
        if (_lane is { } lane)
        {
            // Not committed: the turn ends undoing this delivery's work; if its handler ran, its next attempt runs alone.
            _lane = null;
            if (_begun && _recorded is { } key)
            {
                _groups.SetAlone(key.Endpoint, key.Key, alone: true);
            }

            await EndTurnAsync(lane).ConfigureAwait(false);
        }

        _done = true;
        if (_ownTransaction is not null)
        {
            try
            {
                if (_ownTransaction.Connection is not null)
                {
                    await _ownTransaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (NpgsqlException)
            {
                // The connection broke: the server rolled the transaction back already.
            }
            finally
            {
                await _ownTransaction.DisposeAsync().ConfigureAwait(false);
                await _ownConnection!.DisposeAsync().ConfigureAwait(false);
                _ownTransaction = null;
            }
        }
    }

    /// <summary>
    /// Takes a turn on a lane (or, when this key's last attempt failed in a group, opens a transaction of its own) and
    /// inserts the key if one is given; returns whether it was inserted.
    /// </summary>
    private async ValueTask<bool> BeginWorkAsync(string? endpoint, string? key, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_begun)
        {
            return key is not null && await InsertKeyAsync(endpoint!, key, cancellationToken).ConfigureAwait(false);
        }

        if (_lane is { } lane)
        {
            // A key this lane's open group inserted is another delivery of this message, not yet committed: this one
            // waits alone for that group's outcome (its insert waits on the key's row), rather than be told it is a
            // duplicate and settled while the first may still roll back.
            if (key is null || (!_groups.RunsAlone(endpoint!, key) && !lane.Holds(endpoint!, key)))
            {
                try
                {
                    bool inserted = await lane.BeginTurnAsync(endpoint, key, cancellationToken).ConfigureAwait(false);
                    _begun = true;
                    return inserted;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected)
                {
                    // The key's row waited on another process's group, which waited on a key of this group: this turn
                    // gives the group back (so the other can go on) and waits for the key alone.
                }
                catch (Exception) when (lane.Connection is null)
                {
                    _lost = true; // the lane lost its connection, and could not open another
                    throw;
                }

                // Any other failure leaves the turn held until the delivery disposes of its transaction, which undoes it.
            }

            _lane = null;
            await EndTurnAsync(lane).ConfigureAwait(false);
        }

        try
        {
            _ownConnection = await _store.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _lost = true; // the server cannot be reached
            throw;
        }

        try
        {
            _ownTransaction = await _ownConnection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _lost = !cancellationToken.IsCancellationRequested;
            await _ownConnection.DisposeAsync().ConfigureAwait(false);
            _ownConnection = null;
            throw;
        }

        _begun = true;
        return key is not null && await InsertKeyAsync(endpoint!, key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts the key in the transaction begun already; returns whether it was inserted (false: committed before, or by this transaction).</summary>
    private async ValueTask<bool> InsertKeyAsync(string endpoint, string key, CancellationToken cancellationToken)
    {
        if (_lane is { } held && held.Holds(endpoint, key))
        {
            // Mid-turn, in the group of an uncommitted delivery of the same key: neither a duplicate yet nor free to
            // run. The attempt fails, and its next one runs alone, where the key's row makes it wait for that group.
            _groups.SetAlone(endpoint, key, alone: true);
            throw new InvalidOperationException(
                $"Another delivery of inbox key '{key}' on endpoint '{endpoint}' is in this delivery's group transaction and not committed yet; " +
                "the attempt is rolled back and runs again on a transaction of its own.");
        }

        NpgsqlTransaction transaction = _lane?.Transaction ?? _ownTransaction!;
        await using var command = new NpgsqlCommand(_store.Sql.InboxAdd, transaction.Connection, transaction);
        PostgresMessageStore.AddInboxKey(command.Parameters, endpoint, key);
        command.Parameters.Add(PostgresSql.Value(_store.Time.GetUtcNow()));
        bool inserted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
        if (inserted)
        {
            _lane?.Inserted(endpoint, key);
        }

        return inserted;
    }

    /// <summary>Hands the lane on, or commits its group when nobody waits for it.</summary>
    private ValueTask EndTurnAsync(PostgresConsumeGroups.Lane lane) =>
        _groups.EndTurn(lane) ? _groups.CommitAsync(lane) : ValueTask.CompletedTask;
}
