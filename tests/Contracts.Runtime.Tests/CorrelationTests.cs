using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Runtime.Tests;

public sealed partial class CorrelationTests
{
    [Command] public partial record OpenAccount([property: IdempotencyKey] string AccountId);
    [Event] public partial record AccountOpened(string AccountId);

    /// <summary>What a handler saw of its message's context.</summary>
    public sealed record Seen(Guid MessageId, Guid CorrelationId, Guid? CausationId, DateTimeOffset SentAt, int Attempt,
        IReadOnlyDictionary<string, string> Headers, string? IdempotencyKey, string Endpoint, ContractDescriptor Contract);

    public sealed class Observed
    {
        public readonly TaskCompletionSource<Seen> Command = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource<Seen> Event = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static Seen Of(MessageContext c) =>
            new(c.MessageId, c.CorrelationId, c.CausationId, c.SentAt, c.Attempt, c.Headers, c.IdempotencyKey, c.Endpoint, c.Contract);
    }

    public sealed class OpenAccountHandler(Observed observed) : ICommandHandler<OpenAccount>
    {
        public async ValueTask HandleAsync(OpenAccount command, MessageContext context, CancellationToken cancellationToken)
        {
            observed.Command.TrySetResult(Observed.Of(context));
            await context.PublishAsync(new AccountOpened(command.AccountId), cancellationToken);
        }
    }

    [Idempotent]
    public sealed class AccountOpenedHandler(Observed observed) : IEventHandler<AccountOpened>
    {
        public ValueTask HandleAsync(AccountOpened @event, MessageContext context, CancellationToken cancellationToken)
        {
            observed.Event.TrySetResult(Observed.Of(context));
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Correlation_causation_ids_headers_and_attempt_flow_from_a_command_to_the_event_its_handler_publishes()
    {
        var observed = new Observed();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(observed));
        DateTimeOffset before = DateTimeOffset.UtcNow;

        await host.Bus.SendAsync(new OpenAccount("acc-1"), new SendOptions { Headers = new Dictionary<string, string> { ["tenant"] = "t-42" } });
        Seen command = await Wait.For(observed.Command.Task);
        Seen @event = await Wait.For(observed.Event.Task);
        DateTimeOffset after = DateTimeOffset.UtcNow;

        // A new conversation starts at the command; the event joins it, caused by the command.
        Assert.Equal(command.MessageId, command.CorrelationId);
        Assert.Null(command.CausationId);
        Assert.Equal(command.CorrelationId, @event.CorrelationId);
        Assert.Equal(command.MessageId, @event.CausationId);
        Assert.NotEqual(command.MessageId, @event.MessageId);

        Assert.Equal(7, command.MessageId.Version);
        Assert.Equal(7, @event.MessageId.Version);
        Assert.InRange(command.SentAt, before, after);
        Assert.InRange(@event.SentAt, command.SentAt, after);
        Assert.Equal(1, command.Attempt);
        Assert.Equal(1, @event.Attempt);
        Assert.Equal("t-42", command.Headers["tenant"]);
        Assert.Empty(@event.Headers);

        Assert.Same(Descriptor.Of<OpenAccount>(), command.Contract);
        Assert.Equal(Descriptor.Of<OpenAccount>().Name, command.Endpoint);
        Assert.Equal($"{Descriptor.Of<AccountOpened>().Name}/{typeof(AccountOpenedHandler).FullName}", @event.Endpoint);
        Assert.Equal(OpenAccount.GetKey(new OpenAccount("acc-1")), command.IdempotencyKey);
        Assert.NotNull(command.IdempotencyKey);
        Assert.Null(@event.IdempotencyKey);
    }

    [Fact]
    public async Task A_given_message_id_and_correlation_id_are_kept()
    {
        var observed = new Observed();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(observed));
        Guid messageId = Guid.CreateVersion7(), correlationId = Guid.NewGuid();

        await host.Bus.SendAsync(new OpenAccount("acc-2"), new SendOptions { MessageId = messageId, CorrelationId = correlationId });
        Seen command = await Wait.For(observed.Command.Task);
        Seen @event = await Wait.For(observed.Event.Task);

        Assert.Equal(messageId, command.MessageId);
        Assert.Equal(correlationId, command.CorrelationId);
        Assert.Equal(correlationId, @event.CorrelationId);
        Assert.Equal(messageId, @event.CausationId);
    }

    public partial record OpenAccount
    {
        public static string? GetKey(OpenAccount message) => GetKeyOf(message);

        private static string? GetKeyOf<T>(T message)
            where T : class, IContract<T> => T.GetIdempotencyKey(message);
    }
}
