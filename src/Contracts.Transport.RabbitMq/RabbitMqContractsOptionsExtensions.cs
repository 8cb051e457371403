using System;
using Contracts.Transport.RabbitMq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts;

/// <summary>Chooses the RabbitMQ transport.</summary>
public static class RabbitMqContractsOptionsExtensions
{
    /// <summary>
    /// Moves messages through RabbitMQ at <paramref name="uri"/>: a durable queue per command and query endpoint
    /// and per event subscription, bound to one direct exchange; publisher confirms and persistent messages;
    /// delayed retries through TTL queues; dead letters to each endpoint's <c>.error</c> queue (listed, replayed and
    /// purged through <see cref="IDeadLetters"/>); queries as
    /// request/reply on a queue per process.
    /// </summary>
    /// <param name="options">The bus options.</param>
    /// <param name="uri">The broker, for example <c>amqp://guest:guest@127.0.0.1:5672/</c>.</param>
    /// <param name="configure">Endpoint and connection settings.</param>
    /// <returns>The bus options, for chaining.</returns>
    public static ContractsOptions UseRabbitMq(this ContractsOptions options, string uri, Action<RabbitMqTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(uri);
        var settings = new RabbitMqTransportOptions { Uri = new Uri(uri) };
        configure?.Invoke(settings);
        settings.Validate();
        return options.UseTransport(settings, services => new RabbitMqTransport(
            settings,
            services.Services.GetService<ILoggerFactory>()?.CreateLogger<RabbitMqTransport>() ?? NullLogger<RabbitMqTransport>.Instance,
            services.Time));
    }
}
