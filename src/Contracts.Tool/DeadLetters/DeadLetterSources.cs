using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage.Postgres;
using Contracts.Storage.Sqlite;
using Contracts.Transport.RabbitMq;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Contracts.Tool.DeadLetters;

/// <summary>Opens the source the options name: exactly one of <c>--sqlite</c>, <c>--postgres</c>, <c>--rabbitmq</c>.</summary>
internal static class DeadLetterSources
{
    public const string Usage =
        "  --sqlite <file>              the SQLite store file the buses use (UseSqlite)\n" +
        "  --postgres <connection>      an Npgsql connection string of the database the buses use (UsePostgres)\n" +
        "    --schema <name>            the store's schema (default contracts)\n" +
        "  --rabbitmq <uri>             the broker, e.g. amqp://guest:guest@127.0.0.1:5672/ (UseRabbitMq)\n" +
        "    --endpoint <name>          an endpoint whose .error queue to read; repeat or separate with commas\n" +
        "    --exchange <name>          the exchange the buses use (default contracts)\n";

    /// <summary>Reads the source options (checking them) and returns what opens the source: options first, so unknown ones are rejected before anything connects.</summary>
    public static Func<CancellationToken, Task<DeadLetterSource>> Read(ToolArguments args)
    {
        string? sqlite = args.Option("sqlite");
        string? postgres = args.Option("postgres");
        string? rabbitmq = args.Option("rabbitmq");
        string? schema = args.Option("schema");
        string? exchange = args.Option("exchange");
        List<string> endpoints = args.Options("endpoint");
        int given = (sqlite is null ? 0 : 1) + (postgres is null ? 0 : 1) + (rabbitmq is null ? 0 : 1);
        if (given != 1)
        {
            throw new UsageException(given == 0
                ? "Say where the dead letters are: --sqlite <file>, --postgres <connection string> or --rabbitmq <uri>."
                : "Give only one of --sqlite, --postgres and --rabbitmq.");
        }

        if (schema is not null && postgres is null)
        {
            throw new UsageException("--schema goes with --postgres.");
        }

        if ((exchange is not null || endpoints.Count > 0) && rabbitmq is null)
        {
            throw new UsageException("--endpoint and --exchange go with --rabbitmq.");
        }

        if (sqlite is not null)
        {
            return cancellationToken => OpenSqliteAsync(sqlite, cancellationToken);
        }

        if (postgres is not null)
        {
            return cancellationToken => OpenPostgresAsync(postgres, schema ?? PostgresStoreOptions.DefaultSchema, cancellationToken);
        }

        return cancellationToken => OpenRabbitMqAsync(rabbitmq!, exchange, endpoints, cancellationToken);
    }

    private static async Task<DeadLetterSource> OpenSqliteAsync(string file, CancellationToken cancellationToken)
    {
        string path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            throw new ToolException(ExitCodes.NotFound, $"No SQLite store at '{path}': the file does not exist. Give the file the buses' UseSqlite names.");
        }

        // The store creates its tables when it opens: look first, read-only, so a file that is not a store stays untouched.
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using SqliteCommand look = connection.CreateCommand();
            look.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'contracts_dead_letters'";
            if (Convert.ToInt64(look.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                throw new ToolException(ExitCodes.Unreachable, $"'{path}' is a SQLite database but not a Contracts store: it has no contracts_dead_letters table.");
            }
        }
        catch (SqliteException ex)
        {
            throw new ToolException(ExitCodes.Unreachable, $"'{path}' cannot be opened as a SQLite database: {ex.Message}", ex);
        }

        var store = new SqliteMessageStore(new SqliteStoreOptions { ConnectionString = $"Data Source={path}" });
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        return new StoreDeadLetterSource(
            store,
            $"sqlite {path}",
            wake: null,
            "a running bus on this file claims it within a third of its ClaimDuration (10 s by default), a bus started later at its start.");
    }

    private static async Task<DeadLetterSource> OpenPostgresAsync(string connectionString, string schema, CancellationToken cancellationToken)
    {
        PostgresMessageStore store;
        string where;
        try
        {
            var settings = new NpgsqlConnectionStringBuilder(connectionString);
            where = $"{settings.Host}:{settings.Port}/{settings.Database ?? settings.Username}";
            // Never create or upgrade the schema from a tool, and no LISTEN connection: the tool notifies, it does not wait.
            store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = connectionString, Schema = schema, CreateSchema = false, ListenForWork = false });
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        try
        {
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw new ToolException(ExitCodes.Unreachable, ex.Message, ex);
        }

        return new StoreDeadLetterSource(
            store,
            $"postgres {where} schema {schema}",
            store.NotifyWorkAsync,
            "the buses listening on this schema were notified and the first free one claims it; others take it at their next poll, a bus started later at its start.");
    }

    private static async Task<DeadLetterSource> OpenRabbitMqAsync(string uri, string? exchange, List<string> endpoints, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out Uri? broker) || broker.Scheme is not ("amqp" or "amqps"))
        {
            throw new UsageException($"--rabbitmq '{uri}' is not an AMQP URI. Example: amqp://guest:guest@127.0.0.1:5672/");
        }

        var options = new RabbitMqTransportOptions { Uri = broker, ConnectionName = "contracts tool" };
        if (exchange is not null)
        {
            options.Exchange = exchange;
        }

        RabbitMqDeadLetterBrowser browser;
        try
        {
            browser = await RabbitMqDeadLetterBrowser.ConnectAsync(options, endpoints, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new ToolException(ExitCodes.Unreachable, ex.Message, ex);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        return new RabbitMqDeadLetterSource(browser, $"rabbitmq {broker.Host}:{broker.Port} exchange {options.Exchange} queues {string.Join(", ", browser.ErrorQueues)}");
    }
}
