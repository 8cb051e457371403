using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using RabbitMQ.Client;

[assembly: AssemblyFixture(typeof(Contracts.Transport.RabbitMq.Tests.Broker))]

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>
/// The real broker the tests run against: the one answering on 127.0.0.1:5672 (CI starts it with
/// scripts/rabbitmq.sh), or one this fixture starts with that script and stops at the end.
/// </summary>
public sealed class Broker : IAsyncLifetime
{
    public const string Uri = "amqp://guest:guest@127.0.0.1:5672/";

    private bool _startedHere;

    public async ValueTask InitializeAsync()
    {
        if (await IsReadyAsync())
        {
            return;
        }

        await RunScriptAsync("start", TimeSpan.FromMinutes(5));
        _startedHere = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_startedHere)
        {
            await RunScriptAsync("stop", TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>Stops the broker process and starts it again on the same data: durable queues and persistent messages survive.</summary>
    public static Task RestartAsync() => RunScriptAsync("restart", TimeSpan.FromMinutes(3));

    /// <summary>Freezes the broker (SIGSTOP): its connections stay open and nothing answers, as on a hung node.</summary>
    public static Task PauseAsync() => RunScriptAsync("pause", TimeSpan.FromSeconds(30));

    /// <summary>Lets a paused broker run again (SIGCONT).</summary>
    public static Task ResumeAsync() => RunScriptAsync("resume", TimeSpan.FromSeconds(30));

    /// <summary>The properties the transport writes for a message of <paramref name="contractName"/>, as another process would send it.</summary>
    public static BasicProperties Properties(string contractName, int contractVersion = 1)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return new BasicProperties
        {
            MessageId = Guid.CreateVersion7().ToString(),
            CorrelationId = Guid.NewGuid().ToString(),
            Type = contractName,
            ContentType = "application/vnd.contracts+msgpack",
            Persistent = true,
            Timestamp = new AmqpTimestamp(now.ToUnixTimeSeconds()),
            Headers = new System.Collections.Generic.Dictionary<string, object?>
            {
                ["contracts-version"] = contractVersion,
                ["contracts-attempt"] = 1,
                ["contracts-sent-at"] = now.ToUnixTimeMilliseconds(),
            },
        };
    }

    /// <summary>A plain connection for what a test checks on the broker itself.</summary>
    public static Task<IConnection> ConnectAsync() =>
        new ConnectionFactory { Uri = new System.Uri(Uri), MaxInboundMessageBodySize = 512 * 1024 * 1024 }.CreateConnectionAsync();

    /// <summary>Deletes endpoint queues (and their error queues) a test uses, so messages of an earlier run cannot leak in.</summary>
    public static async Task ResetAsync(params string[] queues)
    {
        await using IConnection connection = await ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync();
        foreach (string queue in queues)
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
            await channel.QueueDeleteAsync(queue + ".error", ifUnused: false, ifEmpty: false);
        }
    }

    /// <summary>How many messages wait in <paramref name="queue"/> (ready, not delivered to a consumer).</summary>
    public static async Task<uint> ReadyCountAsync(string queue)
    {
        await using IConnection connection = await ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync();
        QueueDeclareOk ok = await channel.QueueDeclarePassiveAsync(queue);
        return ok.MessageCount;
    }

    /// <summary>Takes one message from <paramref name="queue"/>, waiting up to <paramref name="timeout"/>.</summary>
    public static async Task<BasicGetResult> GetAsync(string queue, TimeSpan timeout)
    {
        await using IConnection connection = await ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync();
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                return message;
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"Nothing arrived in queue '{queue}' within {timeout}.");
            }

            await Task.Delay(50);
        }
    }

    private static async Task<bool> IsReadyAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", 5672, cts.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static Task RunScriptAsync(string command, TimeSpan timeout) => Contracts.Tests.Shared.RepositoryScript.RunAsync("rabbitmq.sh", command, timeout);
}
