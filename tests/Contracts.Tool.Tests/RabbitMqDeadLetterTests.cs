using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Contracts.Tool.Tests;

/// <summary><c>contracts dead-letters</c> on the real broker: the endpoint's <c>.error</c> queue that a real bus fills.</summary>
public sealed class RabbitMqDeadLetterTests
{
    private const string Endpoint = "tooltests.charge-card";

    private readonly string _exchange = $"tooltests-{Guid.NewGuid():N}";

    private string[] Source => ["--rabbitmq", Servers.RabbitMqUri, "--exchange", _exchange, "--endpoint", Endpoint];

    private Task<IHost> StartAsync(Ledger ledger, string name) => TestHost.StartAsync(ledger, name, o => o.UseRabbitMq(Servers.RabbitMqUri, t =>
    {
        t.Exchange = _exchange;
        t.Defaults.Consume = false;
        t.Endpoint<ChargeCard>(e =>
        {
            e.Consume = true;
            TestHost.FailFast(e);
        });
    }));

    [Fact]
    public async Task A_replay_moves_the_message_back_to_its_queue_where_a_running_bus_handles_it_once()
    {
        await ResetAsync();
        var ledger = new Ledger();
        IHost host = await StartAsync(ledger, "a");
        try
        {
            List<ChargeCard> sent = await Scenario.FailChargesAsync(host, 3);
            await Scenario.ListShowReplayPurgeAsync(Source, sent, ledger, handledWithin: TimeSpan.FromSeconds(15), settle: TimeSpan.FromSeconds(2));
            Assert.Equal(0u, await CountAsync(Endpoint + ".error"));
            Assert.Equal(0u, await CountAsync(Endpoint));
        }
        finally
        {
            await host.StopAndDisposeAsync();
            await ResetAsync();
        }
    }

    [Fact]
    public async Task An_unreachable_broker_and_an_unknown_endpoint_fail_with_their_exit_codes()
    {
        ToolRun down = (await ToolRun.RunAsync("dead-letters", "list", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/", "--endpoint", Endpoint)).Expect(ExitCodes.Unreachable);
        Assert.Contains("RabbitMQ at 127.0.0.1:1 is not reachable", down.Error, StringComparison.Ordinal);

        // No bus ever started on this exchange: its error queue is not there, and the tool declares nothing.
        ToolRun unknown = (await ToolRun.RunAsync("dead-letters", "list", "--rabbitmq", Servers.RabbitMqUri, "--exchange", _exchange, "--endpoint", "tooltests.nobody")).Expect(ExitCodes.Unreachable);
        Assert.Contains($"Queue '{_exchange}.error' does not exist", unknown.Error, StringComparison.Ordinal);
        Assert.False(await ExistsAsync(_exchange + ".error"));

        (await ToolRun.RunAsync("dead-letters", "list", "--rabbitmq", "http://127.0.0.1/")).Expect(ExitCodes.Usage);
        (await ToolRun.RunAsync("dead-letters", "list", "--rabbitmq", Servers.RabbitMqUri, "--exchange", "")).Expect(ExitCodes.Usage);
    }

    private async Task ResetAsync()
    {
        await using IConnection connection = await ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(Endpoint, ifUnused: false, ifEmpty: false);
        await channel.QueueDeleteAsync(Endpoint + ".error", ifUnused: false, ifEmpty: false);
        await channel.QueueDeleteAsync(_exchange + ".error", ifUnused: false, ifEmpty: false);
        await channel.ExchangeDeleteAsync(_exchange, ifUnused: false);
    }

    private static async Task<uint> CountAsync(string queue)
    {
        await using IConnection connection = await ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    private static async Task<bool> ExistsAsync(string queue)
    {
        await using IConnection connection = await ConnectAsync();
        await using IChannel channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }

    private static Task<IConnection> ConnectAsync() => new ConnectionFactory { Uri = new Uri(Servers.RabbitMqUri) }.CreateConnectionAsync();
}
