using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;

namespace Contracts.Storage.Sqlite.Tests;

[Command] public partial record Ticket(int N);

/// <summary>What the ticket handler handled, in order; ticket 0 waits at the gate.</summary>
public sealed class TicketLog
{
    public readonly TaskCompletionSource Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource FirstEntered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly ConcurrentQueue<int> Handled = new();
    public readonly SemaphoreSlim Done = new(0);
}

[Idempotent]
public sealed class TicketHandler(TicketLog log) : ICommandHandler<Ticket>
{
    public async ValueTask HandleAsync(Ticket command, MessageContext context, CancellationToken cancellationToken)
    {
        if (command.N == 0)
        {
            log.FirstEntered.TrySetResult();
            await log.Gate.Task.WaitAsync(cancellationToken);
        }

        log.Handled.Enqueue(command.N);
        log.Done.Release();
    }
}

/// <summary><see cref="EndpointOptions.MaxPriority"/> on a durable (SQLite) in-memory endpoint.</summary>
public sealed class PriorityTests
{
    [Fact]
    public async Task Stored_messages_are_handled_highest_priority_first_and_in_send_order_within_one_priority()
    {
        using var database = new TempDatabase();
        var log = new TicketLog();
        await using SqliteBus host = await SqliteBus.StartAsync(database, s => s.AddSingleton(log), t => t.Endpoint<Ticket>(e =>
        {
            e.MaxConcurrency = 1;
            e.MaxPriority = 4;
        }));

        await host.Bus.SendAsync(new Ticket(0));
        await Wait.For(log.FirstEntered.Task);
        const int count = 50;
        var sent = new List<(int N, int Priority)>();
        for (int n = 1; n <= count; n++)
        {
            int priority = (n * 3) % 5;
            sent.Add((n, priority));
            await host.Bus.SendAsync(new Ticket(n), new SendOptions { Priority = (byte)priority });
        }

        Assert.Equal(count + 1, database.Scalar("SELECT COUNT(*) FROM contracts_queue"));
        log.Gate.SetResult();
        await Wait.For(log.Done, count + 1);

        int[] expected = [0, .. sent.OrderByDescending(m => m.Priority).ThenBy(m => m.N).Select(m => m.N)];
        Assert.Equal(expected, log.Handled.ToArray());
        await Wait.Until(() => database.Scalar("SELECT COUNT(*) FROM contracts_queue") == 0, "every row settled");
    }
}
