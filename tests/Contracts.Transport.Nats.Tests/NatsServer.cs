using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

[assembly: AssemblyFixture(typeof(Contracts.Transport.Nats.Tests.NatsServer))]

namespace Contracts.Transport.Nats.Tests;

/// <summary>
/// The real server the tests run against: the one answering on 127.0.0.1:4222 (CI starts it with scripts/nats.sh), or
/// one this fixture starts with that script and stops at the end.
/// </summary>
public sealed class NatsServer : IAsyncLifetime
{
    public const string Url = "nats://127.0.0.1:4222";

    private bool _startedHere;

    public async ValueTask InitializeAsync()
    {
        if (await IsReadyAsync())
        {
            return;
        }

        await RunScriptAsync("start", TimeSpan.FromMinutes(3));
        _startedHere = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_startedHere)
        {
            await RunScriptAsync("stop", TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>Stops the server and starts it again on the same store: streams, consumers and messages survive.</summary>
    public static Task RestartAsync() => RunScriptAsync("restart", TimeSpan.FromMinutes(2));

    /// <summary>A plain connection for what a test checks or sets up on the server itself.</summary>
    public static async Task<NatsConnection> ConnectAsync()
    {
        var connection = new NatsConnection(new NatsOpts { Url = Url, Name = "contracts tests" });
        await connection.ConnectAsync();
        return connection;
    }

    /// <summary>Deletes every stream whose name starts with <paramref name="prefix"/><c>_</c>: a clean slate for a test's own prefix.</summary>
    public static async Task ResetAsync(string prefix)
    {
        await using NatsConnection connection = await ConnectAsync();
        var js = new NatsJSContext(connection);
        var names = new List<string>();
        await foreach (string name in js.ListStreamNamesAsync())
        {
            if (name.StartsWith(prefix + "_", StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }

        foreach (string name in names)
        {
            await js.DeleteStreamAsync(name);
        }
    }

    /// <summary>The headers the transport writes for a message of <paramref name="contractName"/>, as another process would send it.</summary>
    public static NatsHeaders Headers(string contractName, int contractVersion = 1, Guid? messageId = null)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return new NatsHeaders
        {
            ["contracts-message-id"] = (messageId ?? Guid.CreateVersion7()).ToString(),
            ["contracts-contract"] = contractName,
            ["contracts-version"] = contractVersion.ToString(CultureInfo.InvariantCulture),
            ["contracts-correlation-id"] = Guid.NewGuid().ToString(),
            ["contracts-attempt"] = "1",
            ["contracts-sent-at"] = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Publishes raw bytes with <paramref name="headers"/> to <paramref name="subject"/> and waits for the stream's acknowledgement.</summary>
    public static async Task PublishAsync(string subject, NatsHeaders headers, ReadOnlyMemory<byte> payload)
    {
        await using NatsConnection connection = await ConnectAsync();
        var js = new NatsJSContext(connection);
        PubAckResponse ack = await js.PublishAsync(subject, payload, NatsRawSerializer<ReadOnlyMemory<byte>>.Default, headers: headers);
        ack.EnsureSuccess();
    }

    /// <summary>The consumer's count of messages not yet delivered, and of those delivered and not acknowledged.</summary>
    public static async Task<(ulong Pending, int AckPending)> ConsumerStateAsync(string stream, string consumer)
    {
        await using NatsConnection connection = await ConnectAsync();
        var js = new NatsJSContext(connection);
        INatsJSConsumer info = await js.GetConsumerAsync(stream, consumer);
        return (info.Info.NumPending, info.Info.NumAckPending);
    }

    /// <summary>The name of the one stream whose name starts with <paramref name="prefix"/>.</summary>
    public static async Task<string> FindStreamAsync(string prefix)
    {
        await using NatsConnection connection = await ConnectAsync();
        var js = new NatsJSContext(connection);
        await foreach (string name in js.ListStreamNamesAsync())
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return name;
            }
        }

        throw new InvalidOperationException($"No stream starts with '{prefix}'.");
    }

    /// <summary>Deletes the consumers of <paramref name="stream"/> whose names start with <paramref name="prefix"/>: a subscription starts over.</summary>
    public static async Task<int> DeleteConsumersAsync(string stream, string prefix)
    {
        await using NatsConnection connection = await ConnectAsync();
        var js = new NatsJSContext(connection);
        var names = new List<string>();
        await foreach (string name in js.ListConsumerNamesAsync(stream))
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }

        foreach (string name in names)
        {
            await js.DeleteConsumerAsync(stream, name);
        }

        return names.Count;
    }

    /// <summary>How many messages a stream holds.</summary>
    public static async Task<long> StreamCountAsync(string stream)
    {
        await using NatsConnection connection = await ConnectAsync();
        var js = new NatsJSContext(connection);
        INatsJSStream info = await js.GetStreamAsync(stream);
        return info.Info.State.Messages;
    }

    private static async Task<bool> IsReadyAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", 4222, cts.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static Task RunScriptAsync(string command, TimeSpan timeout) => Contracts.Tests.Shared.RepositoryScript.RunAsync("nats.sh", command, timeout);
}
