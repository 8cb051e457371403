using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Tests.Shared;

[assembly: AssemblyFixture(typeof(Contracts.Tool.Tests.Servers))]

namespace Contracts.Tool.Tests;

/// <summary>
/// The real PostgreSQL (127.0.0.1:5432, or the one <c>CONTRACTS_POSTGRES</c> names), RabbitMQ (127.0.0.1:5672), NATS
/// (127.0.0.1:4222) and Redis (127.0.0.1:6379) the
/// tests run against; started with the repository's scripts when nothing answers, and stopped again at the end.
/// </summary>
public sealed class Servers : IAsyncLifetime
{
    public const string RabbitMqUri = "amqp://guest:guest@127.0.0.1:5672/";

    public const string NatsUrl = "nats://127.0.0.1:4222";

    public const string RedisConfiguration = "127.0.0.1:6379";

    public static readonly string PostgresConnectionString =
        Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES") is { Length: > 0 } configured ? configured : "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    private bool _startedPostgres;
    private bool _startedRabbitMq;
    private bool _startedNats;
    private bool _startedRedis;

    public async ValueTask InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES") is not { Length: > 0 } && !await AnswersAsync(5432))
        {
            await RepositoryScript.RunAsync("postgres.sh", "start", TimeSpan.FromMinutes(5));
            _startedPostgres = true;
        }

        if (!await AnswersAsync(5672))
        {
            await RepositoryScript.RunAsync("rabbitmq.sh", "start", TimeSpan.FromMinutes(5));
            _startedRabbitMq = true;
        }

        if (!await AnswersAsync(4222))
        {
            await RepositoryScript.RunAsync("nats.sh", "start", TimeSpan.FromMinutes(5));
            _startedNats = true;
        }

        if (!await AnswersAsync(6379))
        {
            await RepositoryScript.RunAsync("redis.sh", "start", TimeSpan.FromMinutes(5));
            _startedRedis = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_startedPostgres)
        {
            await RepositoryScript.RunAsync("postgres.sh", "stop", TimeSpan.FromMinutes(1));
        }

        if (_startedRabbitMq)
        {
            await RepositoryScript.RunAsync("rabbitmq.sh", "stop", TimeSpan.FromMinutes(1));
        }

        if (_startedNats)
        {
            await RepositoryScript.RunAsync("nats.sh", "stop", TimeSpan.FromMinutes(1));
        }

        if (_startedRedis)
        {
            await RepositoryScript.RunAsync("redis.sh", "stop", TimeSpan.FromMinutes(1));
        }
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, cts.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
