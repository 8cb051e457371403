using System;
using System.Buffers;
using System.Collections.Generic;
using Contracts.Storage;
using Microsoft.Data.Sqlite;

namespace Contracts.Benchmarks.EventStore;

/// <summary>
/// The raw SQLite baseline: the rows Contracts' SQLite event log writes (same columns, same unique index, same
/// stream table), written as a good engineer would by hand: one open connection, WAL and <c>synchronous = FULL</c>,
/// prepared commands, one transaction per append, and the stream's version kept in memory instead of read and checked.
/// </summary>
internal sealed class RawSqliteEventLog : IDisposable
{
    private const string Columns =
        "position, stream_id, stream_version, event_id, contract, version, correlation_id, causation_id, recorded_at, headers, payload";

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _setStream;
    private readonly SqliteCommand _read;
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly byte[] _payload;
    private readonly string _contract;

    public RawSqliteEventLog(string path)
    {
        _connection = new SqliteConnection($"Data Source={path}");
        _connection.Open();
        using (SqliteCommand setup = _connection.CreateCommand())
        {
            setup.CommandText =
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; " +
                "CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL, " +
                "event_id BLOB NOT NULL, contract TEXT NOT NULL, version INTEGER NOT NULL, correlation_id BLOB NOT NULL, causation_id BLOB, " +
                "recorded_at INTEGER NOT NULL, headers BLOB, payload BLOB NOT NULL, UNIQUE (stream_id, stream_version)); " +
                "CREATE TABLE streams (stream_id TEXT PRIMARY KEY, version INTEGER NOT NULL, deleted_at INTEGER) WITHOUT ROWID;";
            setup.ExecuteNonQuery();
        }

        _insert = Prepare(
            "INSERT INTO events (stream_id, stream_version, event_id, contract, version, correlation_id, recorded_at, payload) " +
            "VALUES ($stream, $version, $id, $contract, 1, $correlation, $at, $payload)",
            "$stream", "$version", "$id", "$contract", "$correlation", "$at", "$payload");
        _setStream = Prepare(
            "INSERT INTO streams (stream_id, version) VALUES ($stream, $version) ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version",
            "$stream", "$version");
        _read = Prepare($"SELECT {Columns} FROM events WHERE stream_id = $stream AND stream_version >= 1 ORDER BY stream_version", "$stream");

        ContractDescriptor<EsDeposited> contract = ContractOf<EsDeposited>();
        var payload = new ArrayBufferWriter<byte>(32);
        contract.Serialize(payload, new EsDeposited("single", 1));
        _payload = payload.WrittenSpan.ToArray();
        _contract = contract.Name;
    }

    /// <summary>Appends <paramref name="count"/> events to <paramref name="stream"/> in one transaction; returns its version.</summary>
    public long Append(string stream, int count)
    {
        long version = _versions.GetValueOrDefault(stream);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Guid correlation = Guid.NewGuid();
        using SqliteTransaction transaction = _connection.BeginTransaction();
        _insert.Transaction = transaction;
        _setStream.Transaction = transaction;
        SqliteParameterCollection p = _insert.Parameters;
        for (int i = 0; i < count; i++)
        {
            p[0].Value = stream;
            p[1].Value = ++version;
            p[2].Value = Guid.CreateVersion7();
            p[3].Value = _contract;
            p[4].Value = correlation;
            p[5].Value = now;
            p[6].Value = _payload;
            _insert.ExecuteNonQuery();
        }

        _setStream.Parameters[0].Value = stream;
        _setStream.Parameters[1].Value = version;
        _setStream.ExecuteNonQuery();
        transaction.Commit();
        _versions[stream] = version;
        return version;
    }

    /// <summary>The rows of <paramref name="stream"/> as the event log's records (payloads left serialized).</summary>
    public List<EventRecord> Read(string stream)
    {
        _read.Transaction = null;
        _read.Parameters[0].Value = stream;
        var events = new List<EventRecord>();
        using SqliteDataReader reader = _read.ExecuteReader();
        while (reader.Read())
        {
            events.Add(new EventRecord
            {
                Position = reader.GetInt64(0),
                StreamId = reader.GetString(1),
                StreamVersion = reader.GetInt64(2),
                EventId = reader.GetGuid(3),
                ContractName = reader.GetString(4),
                ContractVersion = reader.GetInt32(5),
                CorrelationId = reader.GetGuid(6),
                CausationId = reader.IsDBNull(7) ? null : reader.GetGuid(7),
                RecordedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                Payload = (byte[])reader.GetValue(10),
            });
        }

        return events;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _setStream.Dispose();
        _read.Dispose();
        _connection.Dispose();
    }

    private static ContractDescriptor<T> ContractOf<T>()
        where T : class, IContract<T> => T.Contract;

    private SqliteCommand Prepare(string sql, params string[] names)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (string name in names)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }
}
