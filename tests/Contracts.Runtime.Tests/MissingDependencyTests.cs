using System;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;

namespace Contracts.Runtime.Tests;

/// <summary>What the README promises of a handler whose constructor dependency was never registered in DI.</summary>
public sealed partial class MissingDependencyTests
{
    [Command] public partial record NeedsClock([property: IdempotencyKey] int N);

    /// <summary>Registered by no test: the handler cannot be created.</summary>
    public sealed class UnregisteredClock
    {
    }

    public sealed class NeedsClockHandler(UnregisteredClock clock) : ICommandHandler<NeedsClock>
    {
        public ValueTask HandleAsync(NeedsClock command, MessageContext context, CancellationToken cancellationToken)
        {
            GC.KeepAlive(clock);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_handler_whose_dependency_is_not_registered_fails_its_delivery_into_the_dead_letters_naming_the_type()
    {
        await using TestBus host = await TestBus.StartAsync();

        await host.Bus.SendAsync(new NeedsClock(1));

        IDeadLetters deadLetters = host.Get<IDeadLetters>();
        DateTime deadline = DateTime.UtcNow + TestBus.Timeout;
        DeadLetter? letter = null;
        while (letter is null && DateTime.UtcNow < deadline)
        {
            letter = await deadLetters.ListAsync() is [DeadLetter only] ? only : null;
            await Task.Delay(10);
        }

        Assert.NotNull(letter);
        Assert.Equal(DeadLetterReason.Failed, letter.Reason);
        Assert.Contains(nameof(UnregisteredClock), letter.ExceptionMessage, StringComparison.Ordinal);
    }
}
