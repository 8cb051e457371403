using System;
using System.Collections.Generic;
using Contracts.EventSourcing;
using Npgsql;
using NpgsqlTypes;

namespace Contracts.Storage.Postgres;

/// <summary>
/// Binds a plain append's rows as the column arrays of the schema's <c>append_events</c> function (one array per
/// column, unnested on the server in input order), so any number of events and publications is one statement.
/// </summary>
internal static class PostgresAppendColumns
{
    /// <summary>The events as <c>append_events</c>'s seven column arrays, the payloads bound without a copy.</summary>
    public static void AddEvents(NpgsqlParameterCollection p, IReadOnlyList<EventRecord> events)
    {
        int n = events.Count;
        Guid[] ids = new Guid[n];
        string[] contracts = new string[n];
        int[] versions = new int[n];
        Guid[] correlations = new Guid[n];
        Guid?[] causations = new Guid?[n];
        byte[]?[] headers = new byte[]?[n];
        ReadOnlyMemory<byte>[] payloads = new ReadOnlyMemory<byte>[n];
        for (int i = 0; i < n; i++)
        {
            EventRecord record = events[i];
            ids[i] = record.EventId;
            contracts[i] = record.ContractName;
            versions[i] = record.ContractVersion;
            correlations[i] = record.CorrelationId;
            causations[i] = record.CausationId;
            headers[i] = HeaderCodec.Encode(record.Headers);
            payloads[i] = record.Payload;
        }

        p.Add(ArrayOf(ids, NpgsqlDbType.Uuid));
        p.Add(ArrayOf(contracts, NpgsqlDbType.Text));
        p.Add(ArrayOf(versions, NpgsqlDbType.Integer));
        p.Add(ArrayOf(correlations, NpgsqlDbType.Uuid));
        p.Add(ArrayOf(causations, NpgsqlDbType.Uuid));
        p.Add(ArrayOf(headers, NpgsqlDbType.Bytea));
        p.Add(ArrayOf(payloads, NpgsqlDbType.Bytea));
    }

    /// <summary>The publications as <c>append_events</c>'s seventeen outbox column arrays, in <see cref="PostgresSql.MessageColumns"/> order.</summary>
    public static void AddOutbox(NpgsqlParameterCollection p, IReadOnlyList<MessageRecord> messages)
    {
        int n = messages.Count;
        string[] endpoints = new string[n];
        Guid[] ids = new Guid[n];
        string[] contracts = new string[n];
        int[] versions = new int[n];
        Guid[] correlations = new Guid[n];
        Guid?[] causations = new Guid?[n];
        string?[] keys = new string?[n];
        int[] attempts = new int[n];
        DateTimeOffset[] sentAt = new DateTimeOffset[n];
        DateTimeOffset?[] dueAt = new DateTimeOffset?[n];
        string?[] traceParents = new string?[n];
        string?[] traceStates = new string?[n];
        byte[]?[] headers = new byte[]?[n];
        ReadOnlyMemory<byte>[] payloads = new ReadOnlyMemory<byte>[n];
        DateTimeOffset?[] firstFailedAt = new DateTimeOffset?[n];
        string?[] lastErrors = new string?[n];
        short[] priorities = new short[n];
        for (int i = 0; i < n; i++)
        {
            MessageRecord m = messages[i];
            endpoints[i] = m.Endpoint;
            ids[i] = m.MessageId;
            contracts[i] = m.ContractName;
            versions[i] = m.ContractVersion;
            correlations[i] = m.CorrelationId;
            causations[i] = m.CausationId;
            keys[i] = m.IdempotencyKey;
            attempts[i] = m.Attempt;
            sentAt[i] = m.SentAt.ToUniversalTime();
            dueAt[i] = m.DueAt?.ToUniversalTime();
            traceParents[i] = m.TraceParent;
            traceStates[i] = m.TraceState;
            headers[i] = HeaderCodec.Encode(m.Headers);
            payloads[i] = m.Payload;
            firstFailedAt[i] = m.FirstFailedAt?.ToUniversalTime();
            lastErrors[i] = m.LastError;
            priorities[i] = m.Priority;
        }

        p.Add(ArrayOf(endpoints, NpgsqlDbType.Text));
        p.Add(ArrayOf(ids, NpgsqlDbType.Uuid));
        p.Add(ArrayOf(contracts, NpgsqlDbType.Text));
        p.Add(ArrayOf(versions, NpgsqlDbType.Integer));
        p.Add(ArrayOf(correlations, NpgsqlDbType.Uuid));
        p.Add(ArrayOf(causations, NpgsqlDbType.Uuid));
        p.Add(ArrayOf(keys, NpgsqlDbType.Text));
        p.Add(ArrayOf(attempts, NpgsqlDbType.Integer));
        p.Add(ArrayOf(sentAt, NpgsqlDbType.TimestampTz));
        p.Add(ArrayOf(dueAt, NpgsqlDbType.TimestampTz));
        p.Add(ArrayOf(traceParents, NpgsqlDbType.Text));
        p.Add(ArrayOf(traceStates, NpgsqlDbType.Text));
        p.Add(ArrayOf(headers, NpgsqlDbType.Bytea));
        p.Add(ArrayOf(payloads, NpgsqlDbType.Bytea));
        p.Add(ArrayOf(firstFailedAt, NpgsqlDbType.TimestampTz));
        p.Add(ArrayOf(lastErrors, NpgsqlDbType.Text));
        p.Add(ArrayOf(priorities, NpgsqlDbType.Smallint));
    }

    private static NpgsqlParameter<T[]> ArrayOf<T>(T[] values, NpgsqlDbType element) => new() { NpgsqlDbType = NpgsqlDbType.Array | element, TypedValue = values };
}
