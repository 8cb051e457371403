using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Tests.Shared;

[assembly: AssemblyFixture(typeof(Contracts.Tool.Tests.Servers))]

namespace Contracts.Tool.Tests;

/// <summary>
/// The real PostgreSQL (127.0.0.1:5432, or the one <c>CONTRACTS_POSTGRES</c> names) and RabbitMQ (127.0.0.1:5672) the
/// tests run against; started with the repository's scripts when nothing answers, and stopped again at the end.
/// </summary>
public sealed class Servers : IAsyncLifetime
{
    public const string RabbitMqUri = "amqp://guest:guest@127.0.0.1:5672/";

    public static readonly string PostgresConnectionString =
        Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES") is { Length: > 0 } configured ? configured : "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    private bool _startedPostgres;
    private bool _startedRabbitMq;

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
