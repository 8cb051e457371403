using System;

namespace Contracts.Storage.Postgres;

/// <summary>Settings of the PostgreSQL store; passed to <see cref="PostgresContractsExtensions.UsePostgres"/>.</summary>
public sealed class PostgresStoreOptions
{
    /// <summary>The schema the store's own schema uses unless <see cref="Schema"/> says otherwise.</summary>
    public const string DefaultSchema = "contracts";

    /// <summary>The Npgsql connection string, for example <c>Host=127.0.0.1;Username=postgres;Database=shop</c>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The schema that holds the store's tables (queue, outbox, inbox, dead letters and the migration table), created
    /// when missing. Lower-case letters, digits and underscores. Default <c>contracts</c>. Two applications that must not
    /// take over each other's work use two schemas (or two databases).
    /// </summary>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>
    /// Whether the store creates and upgrades its schema when the bus starts (under an advisory lock, so processes starting
    /// together migrate once). False: the schema must already be at this library's version, or the start fails. Default true.
    /// </summary>
    public bool CreateSchema { get; set; } = true;

    /// <summary>
    /// Whether the store keeps a connection that LISTENs for new work (rows released by a bus that stopped, outbox rows
    /// committed by another process), so buses wake at once instead of at their next poll. Default true.
    /// </summary>
    public bool ListenForWork { get; set; } = true;

    /// <summary>How long a statement may run before it is cancelled. Default 30 seconds.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
