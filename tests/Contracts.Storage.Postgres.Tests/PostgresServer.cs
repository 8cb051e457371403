using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

[assembly: AssemblyFixture(typeof(Contracts.Storage.Postgres.Tests.PostgresServer))]

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// The real PostgreSQL server the tests run against: the one <c>CONTRACTS_POSTGRES</c> names, or the one answering on
/// 127.0.0.1:5432 (CI starts it with scripts/postgres.sh), or one this fixture starts with that script and stops at the end.
/// Tests share the server and the database; each one works in schemas of its own (<see cref="NewSchema"/>).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>The environment variable that names another server (a connection string).</summary>
    public const string Variable = "CONTRACTS_POSTGRES";

    public static readonly string ConnectionString =
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured ? configured : "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    private bool _startedHere;

    public async ValueTask InitializeAsync()
    {
        if (await IsReadyAsync() || Environment.GetEnvironmentVariable(Variable) is { Length: > 0 })
        {
            return;
        }

        await RunScriptAsync("start", TimeSpan.FromMinutes(5));
        _startedHere = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_startedHere)
        {
            await RunScriptAsync("stop", TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>
    /// Whether the server is one scripts/postgres.sh started (its pid file is there), which a test may restart; a server
    /// named by <see cref="Variable"/> or started otherwise is left alone.
    /// </summary>
    public static bool StartedByScript =>
        Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } &&
        File.Exists(Path.Combine(Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES_DIR") ?? "/tmp/contracts-postgres", "server.pid"));

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchema(string prefix = "t") => $"{prefix}_{Guid.NewGuid():N}";

    /// <summary>Drops <paramref name="schema"/> and everything in it.</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A plain connection for what a test checks in the database itself.</summary>
    public static async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>.</summary>
    public static async Task<long> ScalarAsync(string sql)
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs <paramref name="sql"/>.</summary>
    public static async Task ExecuteAsync(string sql)
    {
        await using NpgsqlConnection connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<bool> IsReadyAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString + ";Timeout=3;Pooling=false");
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    /// <summary>Runs scripts/postgres.sh with <paramref name="command"/> (start, stop, restart).</summary>
    public static Task RunScriptAsync(string command, TimeSpan timeout) => Contracts.Tests.Shared.RepositoryScript.RunAsync("postgres.sh", command, timeout);
}
