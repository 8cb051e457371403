using System;
using Contracts.Transport.Nats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts;

/// <summary>Chooses the NATS JetStream transport.</summary>
public static class NatsContractsOptionsExtensions
{
    /// <summary>
    /// Moves messages through NATS JetStream at <paramref name="url"/>: a work-queue stream with a shared durable pull
    /// consumer per command and query endpoint; every event into one event stream that keeps them for replay, with a
    /// durable consumer per subscription; de-duplicated, acknowledged publishes; dead letters in a dead-letter stream
    /// (listed, replayed and purged through <see cref="IDeadLetters"/>); queries as request/reply. JetStream 2.9 cannot
    /// hold a message until a time, so delays are the bus's store's (give the bus a durable store to keep them across restarts).
    /// </summary>
    /// <param name="options">The bus options.</param>
    /// <param name="url">The server, for example <c>nats://127.0.0.1:4222</c>.</param>
    /// <param name="configure">Endpoint, stream and connection settings.</param>
    /// <returns>The bus options, for chaining.</returns>
    public static ContractsOptions UseNats(this ContractsOptions options, string url, Action<NatsTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(url);
        var settings = new NatsTransportOptions { Url = url };
        configure?.Invoke(settings);
        settings.Validate();
        return options.UseTransport(settings, services => new NatsTransport(
            settings,
            services.Services.GetService<ILoggerFactory>()?.CreateLogger<NatsTransport>() ?? NullLogger<NatsTransport>.Instance,
            services.Time));
    }
}
