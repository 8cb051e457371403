using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Contracts.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.Nats.Tests;

/// <summary>What cannot be handled ends in the dead-letter stream, and the rest keeps flowing; what cannot be sent fails clearly.</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task A_poison_message_ends_in_dead_letters_while_the_rest_flows()
    {
        await NatsServer.ResetAsync(NatsHost.Prefix);
        var probe = new Probe();
        IHost host = await NatsHost.StartAsync(probe, t => t.Endpoint<Poison>(e =>
        {
            e.Consume = true;
            e.Retry.ImmediateRetries = 2;
        }));
        try
        {
            var poison = Guid.NewGuid();
            var good = new List<Guid>();
            await host.Bus().SendAsync(new Poison(poison, Fails: true), cancellationToken: TestContext.Current.CancellationToken);
            for (int i = 0; i < 50; i++)
            {
                good.Add(Guid.NewGuid());
                await host.Bus().SendAsync(new Poison(good[^1], Fails: false), cancellationToken: TestContext.Current.CancellationToken);
            }

            await Probe.WaitForAsync(() => probe.CountOf("poison:") == 51, TimeSpan.FromSeconds(30), () => $"{probe.CountOf("poison:")} of 51 handled");
            foreach (Guid id in good)
            {
                Assert.Equal(1, probe.Hits[$"poison:{id}"]);
            }

            IDeadLetters letters = host.Services.GetRequiredService<IDeadLetters>();
            DeadLetter? letter = null;
            await Probe.WaitForAsync(
                () =>
                {
                    IReadOnlyList<DeadLetter> list = letters.ListAsync().AsTask().GetAwaiter().GetResult();
                    letter = list.Count == 1 ? list[0] : null;
                    return letter is not null;
                },
                TimeSpan.FromSeconds(10),
                () => "the poison message in dead letters");
            Assert.Equal(3, probe.Hits[$"poison:{poison}"]);
            Assert.Equal(DeadLetterReason.Failed, letter!.Reason);
            Assert.Equal(3, letter.Attempts);
            Assert.Equal("NatsTests.Poison", letter.Message.Endpoint);
            Assert.Equal(typeof(InvalidOperationException).FullName, letter.ExceptionType);
            Assert.Equal(1, await letters.CountAsync(TestContext.Current.CancellationToken));
            Assert.Equal(letter.Id, (await letters.GetAsync(letter.Id, TestContext.Current.CancellationToken))!.Id);
            Assert.Equal(0, await NatsServer.StreamCountAsync(await NatsServer.FindStreamAsync($"{NatsHost.Prefix}_q_NatsTests_Poison")));
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_command_no_process_consumes_is_an_error_not_a_silent_loss()
    {
        await NatsServer.ResetAsync(NatsHost.Prefix);
        IHost host = await NatsHost.StartAsync(new Probe(), _ => { });
        try
        {
            NoHandlerException error = await Assert.ThrowsAsync<NoHandlerException>(
                async () => await host.Bus().SendAsync(new Nobody(Guid.NewGuid()), cancellationToken: TestContext.Current.CancellationToken));
            Assert.Contains("NatsTests.Nobody", error.Message, StringComparison.Ordinal);

            // An event without subscribers is not an error: the event stream keeps it for subscriptions that replay.
            await host.Bus().PublishAsync(new PriceChanged(1), cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }

    [Fact]
    public async Task A_query_is_answered_with_its_typed_result_or_its_failure()
    {
        await NatsServer.ResetAsync(NatsHost.Prefix);
        IHost host = await NatsHost.StartAsync(new Probe(), t => t.Endpoint<GetPrice>(e => e.Consume = true));
        try
        {
            Assert.Equal(6m, await host.Bus().QueryAsync(new GetPrice("abcd"), cancellationToken: TestContext.Current.CancellationToken));
            QueryFailedException failed = await Assert.ThrowsAsync<QueryFailedException>(
                async () => await host.Bus().QueryAsync(new GetPrice("unknown"), cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal("no such sku", failed.ErrorMessage);
        }
        finally
        {
            await host.StopQuietlyAsync();
        }
    }
}
