using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>One unit of work: its effect is a row in the test schema's <c>effects</c> table, written in the consume transaction.</summary>
[Command] public partial record Work([property: IdempotencyKey] int N);

/// <summary>Where effects go, and which bus applied them.</summary>
public sealed record EffectTable(string Schema, string Bus)
{
    public string CreateSql => $"CREATE SCHEMA IF NOT EXISTS \"{Schema}\"; CREATE TABLE IF NOT EXISTS \"{Schema}\".effects (n integer NOT NULL, bus text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())";

    public string InsertSql => $"INSERT INTO \"{Schema}\".effects (n, bus) VALUES ($1, $2)";
}

/// <summary>How long each <see cref="Work"/> takes, so a bus has a backlog when a test stops it.</summary>
public sealed class WorkPace
{
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(2);
}

/// <summary>Applies <see cref="Work"/>: inserts its number into <c>effects</c> (no unique index, so a second application would show).</summary>
public sealed class WorkHandler(EffectTable effects, WorkPace pace) : ICommandHandler<Work>
{
    public async ValueTask HandleAsync(Work command, MessageContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(pace.Delay, cancellationToken);
        NpgsqlTransaction transaction = context.GetPostgresTransaction();
        await using var insert = new NpgsqlCommand(effects.InsertSql, transaction.Connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = command.N });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = effects.Bus });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}

internal static class Contract
{
    public static ContractDescriptor<T> Of<T>()
        where T : class, IContract<T> => T.Contract;

    /// <summary>The stored form of <paramref name="work"/>, as a bus queues it on its endpoint.</summary>
    public static MessageRecord Record(Work work)
    {
        ContractDescriptor<Work> contract = Of<Work>();
        var payload = new System.Buffers.ArrayBufferWriter<byte>();
        contract.Serialize(payload, work);
        return new MessageRecord
        {
            Endpoint = contract.Name,
            MessageId = Guid.CreateVersion7(),
            ContractName = contract.Name,
            ContractVersion = contract.Version,
            CorrelationId = Guid.NewGuid(),
            IdempotencyKey = contract.GetIdempotencyKey(work),
            SentAt = DateTimeOffset.UtcNow,
            Payload = payload.WrittenMemory.ToArray(),
        };
    }
}
