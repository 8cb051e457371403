using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Contracts.Transport.Redis.Tests.RedisServer))]

namespace Contracts.Transport.Redis.Tests;

/// <summary>
/// The real server the tests run against: the one answering on 127.0.0.1:6379 (CI starts it with scripts/redis.sh),
/// or one this fixture starts with that script and stops at the end.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    public const string Configuration = "127.0.0.1:6379";

    /// <summary>The transport's default key prefix.</summary>
    public const string Prefix = "contracts";

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

    /// <summary>Stops the server (SIGTERM) and starts it on the same data: with appendfsync always every acknowledged write survives.</summary>
    public static Task RestartAsync() => RunScriptAsync("restart", TimeSpan.FromMinutes(2));

    /// <summary>A plain connection for what a test checks on the server itself.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync() => ConnectionMultiplexer.ConnectAsync(Configuration);

    public static RedisKey Stream(string endpoint) => $"{Prefix}:{endpoint}";

    public static RedisKey DeadLetters(string endpoint) => $"{Prefix}:{endpoint}:dead";

    /// <summary>Deletes the streams (and dead-letter streams) of endpoints a test uses, so entries of an earlier run cannot leak in.</summary>
    public static async Task ResetAsync(params string[] endpoints)
    {
        await using ConnectionMultiplexer connection = await ConnectAsync();
        IDatabase database = connection.GetDatabase();
        var keys = new List<RedisKey> { $"{Prefix}:dead-letters" };
        foreach (string endpoint in endpoints)
        {
            keys.Add(Stream(endpoint));
            keys.Add(DeadLetters(endpoint));
        }

        await database.KeyDeleteAsync([.. keys]);
    }

    /// <summary>The fields the transport writes for a message of <paramref name="contractName"/>, as another process would send it.</summary>
    public static NameValueEntry[] Fields(string contractName, int contractVersion, ReadOnlyMemory<byte> payload, DateTimeOffset? deliverBy = null)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var fields = new List<NameValueEntry>
        {
            new("contracts-message-id", Guid.CreateVersion7().ToString()),
            new("contracts-contract", contractName),
            new("contracts-version", contractVersion),
            new("contracts-correlation-id", Guid.NewGuid().ToString()),
            new("contracts-attempt", 1),
            new("contracts-sent-at", now.ToUnixTimeMilliseconds()),
        };
        if (deliverBy is { } by)
        {
            fields.Add(new("contracts-deliver-by", by.ToUnixTimeMilliseconds()));
        }

        fields.Add(new("contracts-body", payload));
        return [.. fields];
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds.</summary>
    public static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            T value = await read();
            if (done(value))
            {
                return value;
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"Not reached within {timeout}: {what} (last {value}).");
            }

            await Task.Delay(50);
        }
    }

    private static async Task<bool> IsReadyAsync()
    {
        try
        {
            await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync($"{Configuration},connectTimeout=2000,abortConnect=true");
            await connection.GetDatabase().PingAsync();
            return true;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }

    private static Task RunScriptAsync(string command, TimeSpan timeout) => Contracts.Tests.Shared.RepositoryScript.RunAsync("redis.sh", command, timeout);
}
