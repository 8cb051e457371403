using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage.Postgres;
using Contracts.Storage.Sqlite;
using Contracts.Transport.Nats;
using Contracts.Transport.RabbitMq;
using Contracts.Transport.Redis;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Contracts.Tool.DeadLetters;

/// <summary>Opens the source the options name: exactly one of <c>--sqlite</c>, <c>--postgres</c>, <c>--rabbitmq</c>, <c>--nats</c>, <c>--redis</c>.</summary>
internal static class DeadLetterSources
{
    public const string Usage =
        "  --sqlite <file>              the SQLite store file the buses use (UseSqlite)\n" +
        "  --postgres <connection>      an Npgsql connection string of the database the buses use (UsePostgres)\n" +
        "    --schema <name>            the store's schema (default contracts)\n" +
        "  --rabbitmq <uri>             the broker, e.g. amqp://guest:guest@127.0.0.1:5672/ (UseRabbitMq)\n" +
        "    --exchange <name>          the exchange the buses use (default contracts)\n" +
        "  --nats <url>                 the NATS server with JetStream, e.g. nats://127.0.0.1:4222 (UseNats)\n" +
        "  --redis <configuration>      the Redis server, e.g. 127.0.0.1:6379 (UseRedis)\n" +
        "    --prefix <name>            with --nats or --redis: the prefix the buses use (default contracts)\n" +
        "    --endpoint <name>          with --rabbitmq, --nats or --redis: an endpoint whose dead letters to read (its .error\n" +
        "                               queue, its dead-letter subject or stream); repeat or separate with commas\n";

    /// <summary>Reads the source options (checking them) and returns what opens the source: options first, so unknown ones are rejected before anything connects.</summary>
    public static Func<CancellationToken, Task<DeadLetterSource>> Read(ToolArguments args)
    {
        string? sqlite = args.Option("sqlite");
        string? postgres = args.Option("postgres");
        string? rabbitmq = args.Option("rabbitmq");
        string? schema = args.Option("schema");
        string? nats = args.Option("nats");
        string? redis = args.Option("redis");
        string? exchange = args.Option("exchange");
        string? prefix = args.Option("prefix");
        List<string> endpoints = args.Options("endpoint");
        int given = (sqlite is null ? 0 : 1) + (postgres is null ? 0 : 1) + (rabbitmq is null ? 0 : 1) + (nats is null ? 0 : 1) + (redis is null ? 0 : 1);
        if (given != 1)
        {
            throw new UsageException(given == 0
                ? "Say where the dead letters are: --sqlite <file>, --postgres <connection string>, --rabbitmq <uri>, --nats <url> or --redis <configuration>."
                : "Give only one of --sqlite, --postgres, --rabbitmq, --nats and --redis.");
        }

        if (schema is not null && postgres is null)
        {
            throw new UsageException("--schema goes with --postgres.");
        }

        if (exchange is not null && rabbitmq is null)
        {
            throw new UsageException("--exchange goes with --rabbitmq.");
        }

        if (prefix is not null && nats is null && redis is null)
        {
            throw new UsageException("--prefix goes with --nats or --redis.");
        }

        if (endpoints.Count > 0 && rabbitmq is null && nats is null && redis is null)
        {
            throw new UsageException("--endpoint goes with --rabbitmq, --nats or --redis.");
        }

        if (sqlite is not null)
        {
            return cancellationToken => OpenSqliteAsync(sqlite, cancellationToken);
        }

        if (postgres is not null)
        {
            return cancellationToken => OpenPostgresAsync(postgres, schema ?? PostgresStoreOptions.DefaultSchema, cancellationToken);
        }

        if (nats is not null)
        {
            return cancellationToken => OpenNatsAsync(nats, prefix, endpoints, cancellationToken);
        }

        if (redis is not null)
        {
            return cancellationToken => OpenRedisAsync(redis, prefix, endpoints, cancellationToken);
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

        RabbitMqDeadLetterBrowser browser = await BrowseAsync(() => RabbitMqDeadLetterBrowser.ConnectAsync(options, endpoints, cancellationToken)).ConfigureAwait(false);
        return new BrokerDeadLetterSource<RabbitMqDeadLetterBrowser>(
            browser, $"rabbitmq {broker.Host}:{broker.Port} exchange {options.Exchange} queues {string.Join(", ", browser.ErrorQueues)}", "RabbitMQ confirmed it");
    }

    private static async Task<DeadLetterSource> OpenNatsAsync(string url, string? prefix, List<string> endpoints, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? server) || server.Scheme is not ("nats" or "tls"))
        {
            throw new UsageException($"--nats '{url}' is not a NATS URL. Example: nats://127.0.0.1:4222");
        }

        var options = new NatsTransportOptions { Url = url, ConnectionName = "contracts tool" };
        if (prefix is not null)
        {
            options.Prefix = prefix;
        }

        NatsDeadLetterBrowser browser = await BrowseAsync(() => NatsDeadLetterBrowser.ConnectAsync(options, endpoints, cancellationToken)).ConfigureAwait(false);
        return new BrokerDeadLetterSource<NatsDeadLetterBrowser>(
            browser, $"nats {server.Host}:{server.Port} prefix {options.Prefix} subjects {string.Join(", ", browser.Subjects)}", "JetStream stored it");
    }

    private static async Task<DeadLetterSource> OpenRedisAsync(string configuration, string? prefix, List<string> endpoints, CancellationToken cancellationToken)
    {
        var options = new RedisTransportOptions { Configuration = configuration, ConnectionName = "contracts tool" };
        if (prefix is not null)
        {
            options.Prefix = prefix;
        }

        RedisDeadLetterBrowser browser = await BrowseAsync(() => RedisDeadLetterBrowser.ConnectAsync(options, endpoints, cancellationToken)).ConfigureAwait(false);
        return new BrokerDeadLetterSource<RedisDeadLetterBrowser>(
            browser, $"redis {configuration} prefix {options.Prefix} streams {string.Join(", ", browser.Streams)}", "Redis added it to its endpoint's stream");
    }

    /// <summary>Connects a broker's browser: a broker that does not answer or lacks what was named is <see cref="ExitCodes.Unreachable"/>, a bad option a usage error.</summary>
    private static async Task<TBrowser> BrowseAsync<TBrowser>(Func<Task<TBrowser>> connect)
    {
        try
        {
            return await connect().ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new ToolException(ExitCodes.Unreachable, ex.Message, ex);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }
    }
}
