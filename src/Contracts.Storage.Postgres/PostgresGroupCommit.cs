using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Group commit for the writes every message makes: sends (inserts held by their sender) and removals of handled rows.
/// Writes that arrive while a batch runs wait in a channel and go together in the next one: one round trip and one
/// implicit transaction for all of them (one INSERT of every record from column arrays, and one DELETE of every
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
    private Task[] _loops = [];

    public PostgresGroupCommit(NpgsqlDataSource source, PostgresSql sql)
    {
        _source = source;
        _sql = sql;
    }

    /// <summary>Starts the writers, when the store opens (a store that is never opened runs none).</summary>
    public void Start()
    {
        var loops = new Task[Writers];
        for (int i = 0; i < loops.Length; i++)
        {
            loops[i] = Task.Run(WriteLoopAsync);
        }

        _loops = loops;
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
        var inserted = new List<MessageRecord>();
        var claims = new List<(StoreClaim Claim, long Call)>();
        foreach (Write write in batch)
        {
            switch (write)
            {
                case Insert insert:
                    for (int i = 0; i < insert.Records.Count; i++)
                    {
                        inserted.Add(insert.Records[i]);
                        claims.Add((insert.Claim, insert.Call));
                    }

                    break;
                case Delete delete:
                    deletes.Add(delete.Sequence);
                    break;
            }
        }

        await using NpgsqlBatch commands = _source.CreateBatch();
        if (inserted.Count > 0)
        {
            commands.BatchCommands.Add(InsertAll(inserted, claims));
        }

        if (deletes.Count > 0)
        {
            var delete = new NpgsqlBatchCommand(_sql.CompleteMany);
            delete.Parameters.Add(PostgresSql.Value(deletes.ToArray()));
            commands.BatchCommands.Add(delete);
        }

        await using NpgsqlDataReader reader = await commands.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
        if (inserted.Count == 0)
        {
            return;
        }

        long[] sequences = new long[inserted.Count];
        int read = 0;
        while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            sequences[read++] = reader.GetInt64(0);
        }

        if (read != sequences.Length)
        {
            throw new InvalidOperationException($"PostgreSQL returned {read} sequences for {sequences.Length} inserted rows.");
        }

        // Identity values rise in insertion order, which is the input order (see PostgresSql.EnqueueMany).
        System.Array.Sort(sequences);
        for (int i = 0; i < sequences.Length; i++)
        {
            inserted[i].Sequence = sequences[i];
        }
    }

    /// <summary>One INSERT of every record of the batch, a column array each (<see cref="PostgresSql.EnqueueMany"/>).</summary>
    private NpgsqlBatchCommand InsertAll(List<MessageRecord> records, List<(StoreClaim Claim, long Call)> claims)
    {
        int n = records.Count;
        string[] endpoints = new string[n], contracts = new string[n], owners = new string[n];
        string?[] keys = new string?[n], traceParents = new string?[n], traceStates = new string?[n], errors = new string?[n];
        Guid[] ids = new Guid[n], correlations = new Guid[n];
        Guid?[] causations = new Guid?[n];
        int[] versions = new int[n], attempts = new int[n];
        short[] priorities = new short[n];
        DateTimeOffset[] sentAt = new DateTimeOffset[n], until = new DateTimeOffset[n];
        DateTimeOffset?[] dueAt = new DateTimeOffset?[n], firstFailed = new DateTimeOffset?[n];
        byte[]?[] headers = new byte[]?[n];
        byte[][] payloads = new byte[n][];
        long[] calls = new long[n];
        for (int i = 0; i < n; i++)
        {
            MessageRecord r = records[i];
            endpoints[i] = r.Endpoint;
            ids[i] = r.MessageId;
            contracts[i] = r.ContractName;
            versions[i] = r.ContractVersion;
            correlations[i] = r.CorrelationId;
            causations[i] = r.CausationId;
            keys[i] = r.IdempotencyKey;
            attempts[i] = r.Attempt;
            sentAt[i] = r.SentAt.ToUniversalTime();
            dueAt[i] = r.DueAt?.ToUniversalTime();
            traceParents[i] = r.TraceParent;
            traceStates[i] = r.TraceState;
            headers[i] = HeaderCodec.Encode(r.Headers);
            payloads[i] = MemoryMarshal.TryGetArray(r.Payload, out ArraySegment<byte> whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length
                ? whole.Array
                : r.Payload.ToArray();
            firstFailed[i] = r.FirstFailedAt?.ToUniversalTime();
            errors[i] = r.LastError;
            priorities[i] = r.Priority;
            owners[i] = claims[i].Claim.Owner;
            until[i] = claims[i].Claim.Until.ToUniversalTime();
            calls[i] = claims[i].Call;
        }

        var command = new NpgsqlBatchCommand(_sql.EnqueueMany);
        NpgsqlParameterCollection p = command.Parameters;
        p.Add(Column(endpoints, NpgsqlDbType.Text));
        p.Add(Column(ids, NpgsqlDbType.Uuid));
        p.Add(Column(contracts, NpgsqlDbType.Text));
        p.Add(Column(versions, NpgsqlDbType.Integer));
        p.Add(Column(correlations, NpgsqlDbType.Uuid));
        p.Add(Column(causations, NpgsqlDbType.Uuid));
        p.Add(Column(keys, NpgsqlDbType.Text));
        p.Add(Column(attempts, NpgsqlDbType.Integer));
        p.Add(Column(sentAt, NpgsqlDbType.TimestampTz));
        p.Add(Column(dueAt, NpgsqlDbType.TimestampTz));
        p.Add(Column(traceParents, NpgsqlDbType.Text));
        p.Add(Column(traceStates, NpgsqlDbType.Text));
        p.Add(Column(headers, NpgsqlDbType.Bytea));
        p.Add(Column(payloads, NpgsqlDbType.Bytea));
        p.Add(Column(firstFailed, NpgsqlDbType.TimestampTz));
        p.Add(Column(errors, NpgsqlDbType.Text));
        p.Add(Column(priorities, NpgsqlDbType.Smallint));
        p.Add(Column(owners, NpgsqlDbType.Text));
        p.Add(Column(until, NpgsqlDbType.TimestampTz));
        p.Add(Column(calls, NpgsqlDbType.Bigint));
        return command;
    }

    private static NpgsqlParameter Column<T>(T[] values, NpgsqlDbType element) => new() { NpgsqlDbType = NpgsqlDbType.Array | element, Value = values };

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
