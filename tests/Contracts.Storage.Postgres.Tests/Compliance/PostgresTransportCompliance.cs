using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using Contracts.Transport;

namespace Contracts.Storage.Postgres.Tests.Compliance;

/// <summary>The in-memory transport made durable by PostgreSQL: a new schema for every test, kept across its restarts.</summary>
public sealed class PostgresFixture : TransportFixture, IAsyncLifetime
{
    private readonly List<string> _schemas = [];
    private string _schema = "";

    public override bool SurvivesRestart => true;

    public override void UseTransport(ContractsOptions options, Action<TransportOptions> endpoints) =>
        options
            .UseInMemoryTransport(t => endpoints(t))
            .UsePostgres(PostgresServer.ConnectionString, s => s.Schema = _schema);

    /// <summary>Each test gets its own schema, so what one test leaves queued or dead-lettered cannot reach the next.</summary>
    public override Task ResetAsync(IReadOnlyList<string> endpointNames)
    {
        _schema = PostgresServer.NewSchema("transport");
        _schemas.Add(_schema);
        return Task.CompletedTask;
    }

    // The bytes are committed as a queued row like any send, then read by the consumer with the contract's formatter.
    public override Task SendUnreadableAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload) =>
        SendThroughTransportAsync(services, contractName, contractVersion, payload);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (string schema in _schemas)
        {
            await PostgresServer.DropSchemaAsync(schema);
        }
    }
}

public sealed class PostgresTransportCompliance(PostgresFixture fixture) : TransportCompliance<PostgresFixture>(fixture);
