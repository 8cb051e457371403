using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace Shop;

/// <summary>
/// The sample's own switches: <c>--transport memory|rabbitmq</c> and <c>--rabbitmq &lt;uri&gt;</c>. Anything else goes to
/// the host's configuration (for example <c>--Shop:Database=/tmp/shop.db</c>).
/// </summary>
internal sealed class ShopArguments
{
    private const string DefaultBroker = "amqp://guest:guest@127.0.0.1:5672/";

    private const string Usage =
        "usage: Shop [--transport memory|rabbitmq] [--rabbitmq <amqp-uri>]\n" +
        "  --transport memory    in-process endpoints, durable on SQLite (the default)\n" +
        "  --transport rabbitmq  endpoints on RabbitMQ (start one with scripts/rabbitmq.sh start)\n" +
        "  --rabbitmq <uri>      the broker (else $CONTRACTS_RABBITMQ, else " + DefaultBroker + ")";

    private ShopArguments(Uri? rabbitMq, string[] hostArguments)
    {
        RabbitMq = rabbitMq;
        HostArguments = hostArguments;
    }

    /// <summary>The broker to run on, or <see langword="null"/> for the in-process default.</summary>
    public Uri? RabbitMq { get; }

    /// <summary>The arguments left for the host.</summary>
    public string[] HostArguments { get; }

    public static bool TryParse(string[] args, string? environmentUri, [NotNullWhen(true)] out ShopArguments? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        string transport = "memory";
        string? uri = null;
        var rest = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value = null;
            string name = arg;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            if (name is not ("--transport" or "--rabbitmq"))
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

            if (name == "--transport")
            {
                transport = value.ToLowerInvariant();
            }
            else
            {
                uri = value;
            }
        }

        switch (transport)
        {
            case "memory" or "inmemory" or "sqlite":
                if (uri is not null)
                {
                    error = $"Shop: --rabbitmq is for --transport rabbitmq.\n{Usage}";
                    return false;
                }

                parsed = new ShopArguments(null, [.. rest]);
                error = null;
                return true;
            case "rabbitmq":
                uri ??= string.IsNullOrWhiteSpace(environmentUri) ? DefaultBroker : environmentUri;
                if (!Uri.TryCreate(uri, UriKind.Absolute, out Uri? broker) || broker.Scheme is not ("amqp" or "amqps"))
                {
                    error = $"Shop: '{uri}' is not an AMQP URI (amqp://user:password@host:port/vhost).\n{Usage}";
                    return false;
                }

                parsed = new ShopArguments(broker, [.. rest]);
                error = null;
                return true;
            default:
                error = $"Shop: unknown transport '{transport}'.\n{Usage}";
                return false;
        }
    }
}
