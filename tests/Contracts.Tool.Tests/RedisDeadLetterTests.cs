using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Transport.Redis;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Contracts.Tool.Tests;

/// <summary><c>contracts dead-letters</c> on the real Redis server: the endpoint's dead-letter stream a real bus fills.</summary>
public sealed class RedisDeadLetterTests
{
    private const string Endpoint = "tooltests.charge-card";

    private readonly string _prefix = $"tooltests-{Guid.NewGuid():N}";

    private string[] Source => ["--redis", Servers.RedisConfiguration, "--prefix", _prefix, "--endpoint", Endpoint];

    private Task<IHost> StartAsync(Ledger ledger, string name) => TestHost.StartAsync(ledger, name, o => o.UseRedis(Servers.RedisConfiguration, t =>
    {
        t.Prefix = _prefix;
        t.Defaults.Consume = false;
        t.Endpoint<ChargeCard>(e =>
        {
            e.Consume = true;
            TestHost.FailFast(e);
        });
    }));

    [Fact]
    public async Task A_replay_moves_the_message_back_to_its_stream_where_a_running_bus_handles_it_once()
    {
        var ledger = new Ledger();
        IHost host = await StartAsync(ledger, "a");
        try
        {
            List<ChargeCard> sent = await Scenario.FailChargesAsync(host, 3);
            await Scenario.ListShowReplayPurgeAsync(Source, sent, ledger, handledWithin: TimeSpan.FromSeconds(15), settle: TimeSpan.FromSeconds(2));
        }
        finally
        {
            await host.StopAndDisposeAsync();
            await DeleteKeysAsync();
        }
    }

    [Fact]
    public async Task An_unreachable_server_and_an_unknown_endpoint_fail_with_their_exit_codes()
    {
        ToolRun down = (await ToolRun.RunAsync("dead-letters", "list", "--redis", "127.0.0.1:1", "--endpoint", Endpoint)).Expect(ExitCodes.Unreachable);
        Assert.Contains("Redis at 127.0.0.1:1 is not reachable", down.Error, StringComparison.Ordinal);

        // No bus consumes the endpoint under this prefix: its stream is not there, and the tool creates nothing.
        ToolRun unknown = (await ToolRun.RunAsync(["dead-letters", "list", .. Source])).Expect(ExitCodes.Unreachable);
        Assert.Contains($"Stream '{_prefix}:{Endpoint}' does not exist", unknown.Error, StringComparison.Ordinal);
        Assert.Empty(await KeysAsync());
    }

    private async Task<List<RedisKey>> KeysAsync()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(Servers.RedisConfiguration);
        var keys = new List<RedisKey>();
        foreach (System.Net.EndPoint endpoint in connection.GetEndPoints())
        {
            await foreach (RedisKey key in connection.GetServer(endpoint).KeysAsync(pattern: _prefix + ":*"))
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    private async Task DeleteKeysAsync()
    {
        List<RedisKey> keys = await KeysAsync();
        if (keys.Count > 0)
        {
            await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(Servers.RedisConfiguration);
            await connection.GetDatabase().KeyDeleteAsync([.. keys]);
        }
    }
}
