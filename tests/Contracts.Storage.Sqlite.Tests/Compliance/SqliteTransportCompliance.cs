using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using Contracts.Testing.Compliance;
using Contracts.Transport;
using Microsoft.Data.Sqlite;

namespace Contracts.Storage.Sqlite.Tests.Compliance;

/// <summary>The in-memory transport made durable by a real SQLite file: a new file for every test, kept across its restarts.</summary>
public sealed class SqliteFixture : TransportFixture, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "contracts-compliance-" + Guid.NewGuid().ToString("N"));
    private string _database = "";

    public SqliteFixture()
    {
        Directory.CreateDirectory(_folder);
    }

    public override bool SurvivesRestart => true;

    public override void UseTransport(ContractsOptions options, Action<TransportOptions> endpoints) =>
        options
            .UseInMemoryTransport(t => endpoints(t))
            // Normal: the suite stops buses, it does not pull the power; Full only slows every commit.
            .UseSqlite($"Data Source={_database}", s => s.Synchronous = SqliteSynchronous.Normal);

    /// <summary>Each test gets its own file, so what one test leaves queued or dead-lettered cannot reach the next.</summary>
    public override Task ResetAsync(IReadOnlyList<string> endpointNames)
    {
        _database = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db");
        return Task.CompletedTask;
    }

    // The bytes are committed as a queued row like any send, then read by the consumer with the contract's formatter.
    public override Task SendUnreadableAsync(IServiceProvider services, string endpoint, string contractName, int contractVersion, ReadOnlyMemory<byte> payload) =>
        SendThroughTransportAsync(services, contractName, contractVersion, payload);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class SqliteTransportCompliance(SqliteFixture fixture) : TransportCompliance<SqliteFixture>(fixture);
