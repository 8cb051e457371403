using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace Shop;

/// <summary>
/// The sample's own switches: <c>--transport memory|rabbitmq|nats|redis</c>, <c>--rabbitmq &lt;uri&gt;</c>, <c>--nats &lt;url&gt;</c>, <c>--redis &lt;configuration&gt;</c>, <c>--store sqlite|postgres</c>,
/// <c>--postgres &lt;connection string&gt;</c> and <c>--rebuild</c>. Anything else goes to the host's configuration (for example
/// <c>--Shop:Database=/tmp/shop.db</c>).
/// </summary>
internal sealed class ShopArguments
{
    private const string DefaultBroker = "amqp://guest:guest@127.0.0.1:5672/";

    private const string DefaultNats = "nats://127.0.0.1:4222";

    private const string DefaultRedis = "127.0.0.1:6379";

    private const string DefaultPostgres = "Host=127.0.0.1;Username=postgres;Database=postgres";

    private const string Usage =
        "usage: Shop [--transport memory|rabbitmq|nats|redis] [--rabbitmq <amqp-uri>] [--nats <nats-url>] [--redis <configuration>] [--store sqlite|postgres] [--postgres <connection-string>] [--rebuild]\n" +
        "  --transport memory    in-process endpoints, durable in the store (the default)\n" +
        "  --transport rabbitmq  endpoints on RabbitMQ (start one with scripts/rabbitmq.sh start)\n" +
        "  --rabbitmq <uri>      the broker (else $CONTRACTS_RABBITMQ, else " + DefaultBroker + ")\n" +
        "  --transport nats      endpoints on NATS JetStream (start one with scripts/nats.sh start)\n" +
        "  --nats <url>          the server (else $CONTRACTS_NATS, else " + DefaultNats + ")\n" +
        "  --transport redis     endpoints on Redis Streams (start one with scripts/redis.sh start)\n" +
        "  --redis <config>      the server, as a StackExchange.Redis configuration (else $CONTRACTS_REDIS, else " + DefaultRedis + ")\n" +
        "  --store sqlite        messages, dead letters, inbox in a SQLite file (the default)\n" +
        "  --store postgres      the same in PostgreSQL, shared by every Shop process (start one with scripts/postgres.sh start)\n" +
        "  --postgres <conn>     the database (else $CONTRACTS_POSTGRES, else " + DefaultPostgres + ")\n" +
        "  --rebuild             places no orders: rebuilds the order summaries from the store's event log and checks them";

    private ShopArguments(Uri? rabbitMq, string? postgres, string[] hostArguments)
    {
        RabbitMq = rabbitMq;
        Postgres = postgres;
        HostArguments = hostArguments;
    }

    /// <summary>The broker to run on, or <see langword="null"/> for the in-process default.</summary>
    public Uri? RabbitMq { get; }

    /// <summary>The NATS server to run on, or <see langword="null"/>.</summary>
    public string? Nats { get; private init; }

    /// <summary>The Redis server to run on (a StackExchange.Redis configuration), or <see langword="null"/>.</summary>
    public string? Redis { get; private init; }

    /// <summary>The PostgreSQL connection string of the store, or <see langword="null"/> for the SQLite default.</summary>
    public string? Postgres { get; }

    /// <summary>Whether to rebuild the order summaries from the event log instead of placing orders.</summary>
    public bool Rebuild { get; private set; }

    /// <summary>The arguments left for the host.</summary>
    public string[] HostArguments { get; }

    public static bool TryParse(
        string[] args, string? environmentUri, string? environmentPostgres, [NotNullWhen(true)] out ShopArguments? parsed, [NotNullWhen(false)] out string? error) =>
        TryParse(args, environmentUri, environmentPostgres, environmentNats: null, environmentRedis: null, out parsed, out error);

    public static bool TryParse(
        string[] args, string? environmentUri, string? environmentPostgres, string? environmentNats, string? environmentRedis,
        [NotNullWhen(true)] out ShopArguments? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        string transport = "memory";
        string store = "sqlite";
        string? uri = null;
        string? postgres = null;
        string? nats = null;
        string? redis = null;
        bool rebuild = false;
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--rebuild")
            {
                rebuild = true;
                continue;
            }

            string? value = null;
            string name = arg;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            if (name is not ("--transport" or "--rabbitmq" or "--nats" or "--redis" or "--store" or "--postgres"))
            {
                rest.Add(arg);
                continue;
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    error = $"Shop: {name} needs a value.\n{Usage}";
                    return false;
                }

                value = args[++i];
            }

            switch (name)
            {
                case "--transport":
                    transport = value.ToLowerInvariant();
                    break;
                case "--store":
                    store = value.ToLowerInvariant();
                    break;
                case "--postgres":
                    postgres = value;
                    break;
                case "--nats":
                    nats = value;
                    break;
                case "--redis":
                    redis = value;
                    break;
                default:
                    uri = value;
                    break;
            }
        }

        switch (store)
        {
            case "sqlite":
                if (postgres is not null)
                {
                    error = $"Shop: --postgres is for --store postgres.\n{Usage}";
                    return false;
                }

                break;
            case "postgres" or "postgresql":
                postgres ??= string.IsNullOrWhiteSpace(environmentPostgres) ? DefaultPostgres : environmentPostgres;
                break;
            default:
                error = $"Shop: unknown store '{store}'.\n{Usage}";
                return false;
        }

        if (nats is not null && transport != "nats")
        {
            error = $"Shop: --nats is for --transport nats.\n{Usage}";
            return false;
        }

        if (redis is not null && transport != "redis")
        {
            error = $"Shop: --redis is for --transport redis.\n{Usage}";
            return false;
        }

        switch (transport)
        {
            case "nats":
                if (uri is not null)
                {
                    error = $"Shop: --rabbitmq is for --transport rabbitmq.\n{Usage}";
                    return false;
                }

                nats ??= string.IsNullOrWhiteSpace(environmentNats) ? DefaultNats : environmentNats;
                if (!Uri.TryCreate(nats, UriKind.Absolute, out Uri? server) || server.Scheme is not ("nats" or "tls"))
                {
                    error = $"Shop: '{nats}' is not a NATS URL (nats://host:port).\n{Usage}";
                    return false;
                }

                parsed = new ShopArguments(null, postgres, [.. rest]) { Nats = nats };
                parsed.Rebuild = rebuild;
                error = null;
                return true;
            case "memory" or "inmemory" or "sqlite":
                if (uri is not null)
                {
                    error = $"Shop: --rabbitmq is for --transport rabbitmq.\n{Usage}";
                    return false;
                }

                parsed = new ShopArguments(null, postgres, [.. rest]);
                parsed.Rebuild = rebuild;
                error = null;
                return true;
            case "rabbitmq":
                uri ??= string.IsNullOrWhiteSpace(environmentUri) ? DefaultBroker : environmentUri;
                if (!Uri.TryCreate(uri, UriKind.Absolute, out Uri? broker) || broker.Scheme is not ("amqp" or "amqps"))
                {
                    error = $"Shop: '{uri}' is not an AMQP URI (amqp://user:password@host:port/vhost).\n{Usage}";
                    return false;
                }

                parsed = new ShopArguments(broker, postgres, [.. rest]);
                parsed.Rebuild = rebuild;
                error = null;
                return true;
            case "redis":
                if (uri is not null)
                {
                    error = $"Shop: --rabbitmq is for --transport rabbitmq.\n{Usage}";
                    return false;
                }

                redis ??= string.IsNullOrWhiteSpace(environmentRedis) ? DefaultRedis : environmentRedis;
                parsed = new ShopArguments(null, postgres, [.. rest]) { Redis = redis };
                parsed.Rebuild = rebuild;
                error = null;
                return true;
            default:
                error = $"Shop: unknown transport '{transport}'.\n{Usage}";
                return false;
        }
    }
}
