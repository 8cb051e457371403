using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Group commit for the writes every message makes: sends (inserts held by their sender) and removals of handled rows.
/// Writes that arrive while a batch runs wait in a channel and go together in the next one: one round trip and one
/// implicit transaction for all of them (one INSERT per record, each with its RETURNING, and one DELETE of every
/// handled row by an array of sequences). A few batches run at once, on pooled connections, so the server's commits
/// overlap. A failed batch fails each of its writes (the server rolled it back whole).
/// </summary>
internal sealed class PostgresGroupCommit : IAsyncDisposable
{
    /// <summary>Batches in flight at once: enough to overlap one batch's commit with the next one's round trip.</summary>
    private const int Writers = 2;

    /// <summary>Writes per batch at most, which keeps a batch's statements and parameters well inside protocol limits.</summary>
    private const int MaxWrites = 256;

    private readonly NpgsqlDataSource _source;
    private readonly PostgresSql _sql;
    private readonly Channel<Write> _writes = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Task[] _loops;

    public PostgresGroupCommit(NpgsqlDataSource source, PostgresSql sql)
    {
        _source = source;
        _sql = sql;
        _loops = new Task[Writers];
        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i] = Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>Queues <paramref name="records"/> held by <paramref name="claim"/> (claiming call <paramref name="call"/>); completes once committed, with each record's sequence set.</summary>
    public Task EnqueueAsync(IReadOnlyList<MessageRecord> records, StoreClaim claim, long call, CancellationToken cancellationToken) =>
        WriteAsync(new Insert(records, claim, call), cancellationToken);

    /// <summary>Removes the row <paramref name="sequence"/>; completes once committed.</summary>
    public Task CompleteAsync(long sequence, CancellationToken cancellationToken) => WriteAsync(new Delete(sequence), cancellationToken);

    private Task WriteAsync(Write write, CancellationToken cancellationToken)
    {
        if (!_writes.Writer.TryWrite(write))
        {
            return Task.FromException(new ObjectDisposedException(nameof(PostgresMessageStore), "The PostgreSQL store is closed."));
        }

        // A cancelled wait does not take the write back: it may still commit with its batch ("maybe written").
        return cancellationToken.CanBeCanceled ? write.Done.Task.WaitAsync(cancellationToken) : write.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        ChannelReader<Write> reader = _writes.Reader;
        var batch = new List<Write>(MaxWrites);
        var deletes = new List<long>(MaxWrites);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxWrites && reader.TryRead(out Write? write))
            {
                batch.Add(write);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                await RunAsync(batch, deletes).ConfigureAwait(false);
                foreach (Write write in batch)
                {
                    write.Done.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                // Every write of the batch gets the error: the batch was one transaction, so none of it committed, unless
                // the reply was lost after the commit (which the callers' claims in doubt account for).
                foreach (Write write in batch)
                {
                    write.Done.TrySetException(ex);
                }
            }

            batch.Clear();
            deletes.Clear();
        }
    }

    private async Task RunAsync(List<Write> batch, List<long> deletes)
    {
        await using NpgsqlBatch commands = _source.CreateBatch();
        foreach (Write write in batch)
        {
            switch (write)
            {
                case Insert insert:
                    for (int i = 0; i < insert.Records.Count; i++)
                    {
                        commands.BatchCommands.Add(PostgresMessageStore.Insert(_sql.Enqueue, insert.Records[i], insert.Claim, insert.Call));
                    }

                    break;
                case Delete delete:
                    deletes.Add(delete.Sequence);
                    break;
            }
        }

        if (deletes.Count > 0)
        {
            var delete = new NpgsqlBatchCommand(_sql.CompleteMany);
            delete.Parameters.Add(PostgresSql.Value(deletes.ToArray()));
            commands.BatchCommands.Add(delete);
        }

        await using NpgsqlDataReader reader = await commands.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
        bool first = true;
        foreach (Write write in batch)
        {
            if (write is not Insert insert)
            {
                continue;
            }

            for (int i = 0; i < insert.Records.Count; i++)
            {
                if (!first)
                {
                    await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false);
                }

                first = false;
                await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                insert.Records[i].Sequence = reader.GetInt64(0);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private abstract class Write
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Insert(IReadOnlyList<MessageRecord> records, StoreClaim claim, long call) : Write
    {
        public IReadOnlyList<MessageRecord> Records => records;

        public StoreClaim Claim => claim;

        public long Call => call;
    }

    private sealed class Delete(long sequence) : Write
    {
        public long Sequence => sequence;
    }
}
