using System;
using Contracts.Transport.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Contracts;

/// <summary>Chooses the Redis Streams transport.</summary>
public static class RedisContractsOptionsExtensions
{
    /// <summary>
    /// Moves messages through Redis Streams at <paramref name="configuration"/>: a stream per command and query
    /// endpoint with one consumer group whose consumers compete; a stream per event with a consumer group per
    /// subscription; the work of a consumer that died taken over after <see cref="RedisTransportOptions.ClaimIdleTime"/>;
    /// dead letters in a stream per endpoint (listed, replayed and purged through <see cref="IDeadLetters"/>); delays
    /// through the bus's store; queries as request/reply over a channel per process.
    /// </summary>
    /// <param name="options">The bus options.</param>
    /// <param name="configuration">The server, as a StackExchange.Redis configuration string, for example <c>127.0.0.1:6379</c>.</param>
    /// <param name="configure">Endpoint and connection settings.</param>
    /// <returns>The bus options, for chaining.</returns>
    public static ContractsOptions UseRedis(this ContractsOptions options, string configuration, Action<RedisTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(configuration);
        var settings = new RedisTransportOptions { Configuration = configuration };
        configure?.Invoke(settings);
        settings.Validate();
        return options.UseTransport(settings, services => new RedisTransport(
            settings,
            services.Services.GetService<ILoggerFactory>()?.CreateLogger<RedisTransport>() ?? NullLogger<RedisTransport>.Instance,
            services.Time));
    }
}
