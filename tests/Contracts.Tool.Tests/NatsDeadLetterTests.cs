using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Transport.Nats;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Contracts.Tool.Tests;

/// <summary><c>contracts dead-letters</c> on the real NATS server: the dead-letter stream a real bus fills.</summary>
public sealed class NatsDeadLetterTests
{
    private const string Endpoint = "tooltests.charge-card";

    private readonly string _prefix = $"tt{Guid.NewGuid():N}"[..12];

    private string[] Source => ["--nats", Servers.NatsUrl, "--prefix", _prefix, "--endpoint", Endpoint];

    private Task<IHost> StartAsync(Ledger ledger, string name) => TestHost.StartAsync(ledger, name, o => o.UseNats(Servers.NatsUrl, t =>
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
            await DeleteStreamsAsync();
        }
    }

    [Fact]
    public async Task An_unreachable_server_an_unknown_prefix_and_an_unknown_endpoint_fail_with_their_exit_codes()
    {
        ToolRun down = (await ToolRun.RunAsync("dead-letters", "list", "--nats", "nats://127.0.0.1:1", "--endpoint", Endpoint)).Expect(ExitCodes.Unreachable);
        Assert.Contains("NATS at nats://127.0.0.1:1 is not reachable", down.Error, StringComparison.Ordinal);

        // No bus ever started with this prefix: its dead-letter stream is not there, and the tool creates nothing.
        ToolRun unknown = (await ToolRun.RunAsync("dead-letters", "list", "--nats", Servers.NatsUrl, "--prefix", _prefix)).Expect(ExitCodes.Unreachable);
        Assert.Contains($"Stream '{_prefix}_dead' does not exist", unknown.Error, StringComparison.Ordinal);
        Assert.Empty(await StreamsAsync());

        // A bus started, but none consumes the endpoint named: a typo is an error, not an empty list.
        IHost host = await StartAsync(new Ledger(), "a");
        try
        {
            ToolRun typo = (await ToolRun.RunAsync("dead-letters", "list", "--nats", Servers.NatsUrl, "--prefix", _prefix, "--endpoint", "tooltests.nobody")).Expect(ExitCodes.Unreachable);
            Assert.Contains("no bus consuming endpoint 'tooltests.nobody' has started", typo.Error, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAndDisposeAsync();
            await DeleteStreamsAsync();
        }
    }

    private async Task<List<string>> StreamsAsync()
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = Servers.NatsUrl });
        var js = new NatsJSContext(connection);
        var names = new List<string>();
        await foreach (string name in js.ListStreamNamesAsync())
        {
            if (name.StartsWith(_prefix + "_", StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }

        return names;
    }

    private async Task DeleteStreamsAsync()
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = Servers.NatsUrl });
        var js = new NatsJSContext(connection);
        foreach (string name in await StreamsAsync())
        {
            await js.DeleteStreamAsync(name);
        }
    }
}
