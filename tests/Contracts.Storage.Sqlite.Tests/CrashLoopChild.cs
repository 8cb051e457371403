using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>The crash-loop test's message: number 0 takes the process down, every other is handled.</summary>
[Command] public partial record Fatal([property: IdempotencyKey] int N);

/// <summary>Calls <see cref="Environment.FailFast(string)"/> for <see cref="Fatal"/> 0: no catch, no finally, no settling runs.</summary>
public sealed class FatalHandler(CrashChild.Gate gate) : ICommandHandler<Fatal>
{
    public async ValueTask HandleAsync(Fatal command, MessageContext context, CancellationToken cancellationToken)
    {
        await gate.Open.Task.WaitAsync(cancellationToken);
        if (command.N == 0)
        {
            Environment.FailFast("fatal 0 takes the process down");
        }

        Console.WriteLine($"handled {command.N}");
    }
}

/// <summary>
/// The crash-loop test's child process: <c>loop-send</c> sends <see cref="Fatal"/> 0 and 1 to the single-consumer
/// endpoint and then consumes; <c>loop-drain</c> restarts on the same file and consumes until the queue is empty.
/// </summary>
public static class CrashLoopChild
{
    public const int MaxUnfinishedDeliveries = 3;

    public static async Task<int> RunAsync(string mode, string database)
    {
        var gate = new CrashChild.Gate();
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(gate);
        builder.Services.AddContracts(o =>
        {
            o.UseInMemoryTransport().UseSqlite($"Data Source={database}", s => s.Synchronous = SqliteSynchronous.Normal);
            o.ClaimDuration = TimeSpan.FromSeconds(1); // the crashed run's claims run out soon
            o.MaxUnfinishedDeliveries = MaxUnfinishedDeliveries;
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        if (mode == "loop-send")
        {
            IMessageBus bus = host.Services.GetRequiredService<IMessageBus>();
            await bus.SendAsync(new Fatal(0));
            await bus.SendAsync(new Fatal(1));
        }

        gate.Open.TrySetResult();
        return await CrashChild.DrainAsync(host, database, TimeSpan.FromSeconds(30));
    }
}
