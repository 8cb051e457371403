using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Contracts.Runtime.Tests;

public sealed partial class PipelineTests
{
    [Command] public partial record Piped(int N);
    [Command] public partial record RetriedOnce(int N);
    [Command] public partial record Garbled(int N);

    public sealed class Trail
    {
        public readonly ConcurrentQueue<string> Steps = new();
        public readonly TaskCompletionSource Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly SemaphoreSlim Handled = new(0);
    }

    public sealed class ScopedThing
    {
    }

    public sealed class Outer(Trail trail) : IConsumeMiddleware
    {
        public async ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next)
        {
            if (context.Envelope.Contract != Descriptor.Of<Piped>())
            {
                await next(context);
                return;
            }

            trail.Steps.Enqueue("outer in");
            await next(context);
            trail.Steps.Enqueue("outer out");
            trail.Done.TrySetResult();
        }
    }

    public sealed class Inner(Trail trail) : IConsumeMiddleware
    {
        public async ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next)
        {
            if (context.Envelope.Contract != Descriptor.Of<Piped>())
            {
                await next(context);
                return;
            }

            trail.Steps.Enqueue("inner in");
            await next(context);
            trail.Steps.Enqueue("inner out");
        }
    }

    /// <summary>The shape of a retry middleware: on failure, a fresh attempt with a fresh scope.</summary>
    public sealed class RetryOnce : IConsumeMiddleware
    {
        public async ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next)
        {
            try
            {
                await next(context);
            }
            catch (InvalidOperationException) when (context.Attempt == 1)
            {
                await context.BeginAttempt();
                await next(context);
            }
        }
    }

    /// <summary>Replaces the payload of <see cref="Garbled"/> messages with truncated bytes, as a broken wire would.</summary>
    public sealed class Garble : IConsumeMiddleware
    {
        public ValueTask InvokeAsync(ConsumeContext context, ConsumeDelegate next)
        {
            if (context.Envelope.Contract == Descriptor.Of<Garbled>() && context.Envelope.Payload.Span[^1] == 13)
            {
                context.Envelope.Payload = new byte[] { 0x91, 0xd2, 0x00 }; // int32 header, one of four bytes
            }

            return next(context);
        }
    }

    [Idempotent]
    public sealed class PipedHandler(Trail trail) : ICommandHandler<Piped>
    {
        public ValueTask HandleAsync(Piped command, MessageContext context, CancellationToken cancellationToken)
        {
            trail.Steps.Enqueue("handler");
            return ValueTask.CompletedTask;
        }
    }

    [Idempotent]
    public sealed class RetriedOnceHandler(Trail trail, ScopedThing thing) : ICommandHandler<RetriedOnce>
    {
        public ValueTask HandleAsync(RetriedOnce command, MessageContext context, CancellationToken cancellationToken)
        {
            trail.Steps.Enqueue($"attempt {context.Attempt} scope {thing.GetHashCode()}");
            if (context.Attempt == 1)
            {
                throw new InvalidOperationException("first attempt fails");
            }

            trail.Done.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }

    [Idempotent]
    public sealed class GarbledHandler(Trail trail) : ICommandHandler<Garbled>
    {
        public ValueTask HandleAsync(Garbled command, MessageContext context, CancellationToken cancellationToken)
        {
            trail.Steps.Enqueue($"handled {command.N}");
            trail.Handled.Release();
            return ValueTask.CompletedTask;
        }
    }

    [Command] public partial record Ambient(int N);

    private static readonly AsyncLocal<string?> s_ambient = new();

    [Idempotent]
    public sealed class AmbientHandler(Trail trail) : ICommandHandler<Ambient>
    {
        public ValueTask HandleAsync(Ambient command, MessageContext context, CancellationToken cancellationToken)
        {
            trail.Steps.Enqueue(s_ambient.Value ?? "none");
            trail.Done.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }

    [Command] public partial record Leaky(int N);

    /// <summary>Not async, so nothing but the runtime restores what it sets.</summary>
    [Idempotent]
    public sealed class LeakyHandler(Trail trail) : ICommandHandler<Leaky>
    {
        public ValueTask HandleAsync(Leaky command, MessageContext context, CancellationToken cancellationToken)
        {
            trail.Steps.Enqueue($"{command.N} sees {s_ambient.Value ?? "none"}");
            s_ambient.Value = $"set by {command.N}";
            trail.Handled.Release();
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task A_handler_that_sets_ambient_state_does_not_pass_it_to_the_next_delivery_on_its_worker()
    {
        var trail = new Trail();
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(trail));

        for (int i = 1; i <= 3; i++)
        {
            await host.Bus.SendAsync(new Leaky(i));
        }

        await Wait.For(trail.Handled, 3);
        Assert.Equal(["1 sees none", "2 sees none", "3 sees none"], trail.Steps.ToArray());
    }

    [Fact]
    public async Task Handlers_do_not_inherit_the_ambient_state_of_the_code_that_started_the_bus()
    {
        var trail = new Trail();
        s_ambient.Value = "set while starting";
        await using TestBus host = await TestBus.StartAsync(s => s.AddSingleton(trail));
        s_ambient.Value = null;

        await host.Bus.SendAsync(new Ambient(1));
        await Wait.For(trail.Done.Task);

        Assert.Equal(["none"], trail.Steps.ToArray());
    }

    [Fact]
    public async Task Middleware_runs_in_registration_order_around_the_handler()
    {
        var trail = new Trail();
        await using TestBus host = await TestBus.StartAsync(s => s
            .AddSingleton(trail)
            .AddSingleton<IConsumeMiddleware, Outer>()
            .AddSingleton<IConsumeMiddleware, Inner>());

        await host.Bus.SendAsync(new Piped(1));
        await Wait.For(trail.Done.Task);

        Assert.Equal(["outer in", "inner in", "handler", "inner out", "outer out"], trail.Steps.ToArray());
    }

    [Fact]
    public async Task A_new_attempt_gets_the_next_attempt_number_and_a_fresh_scope()
    {
        var trail = new Trail();
        await using TestBus host = await TestBus.StartAsync(s => s
            .AddSingleton(trail)
            .AddScoped<ScopedThing>()
            .AddSingleton<IConsumeMiddleware, RetryOnce>());

        await host.Bus.SendAsync(new RetriedOnce(1));
        await Wait.For(trail.Done.Task);

        string[] steps = trail.Steps.ToArray();
        Assert.Equal(2, steps.Length);
        Assert.StartsWith("attempt 1 scope ", steps[0]);
        Assert.StartsWith("attempt 2 scope ", steps[1]);
        Assert.NotEqual(steps[0]["attempt 1 ".Length..], steps[1]["attempt 2 ".Length..]);
    }

    [Fact]
    public async Task An_unreadable_payload_is_reported_as_unreadable_and_the_endpoint_keeps_going()
    {
        var trail = new Trail();
        var logs = new LogCollector();
        using var counters = new CounterRecorder();
        await using TestBus host = await TestBus.StartAsync(
            s => s.AddSingleton(trail).AddSingleton<IConsumeMiddleware, Garble>().AddLogging(l => l.AddProvider(logs)),
            o => o.UseInMemoryTransport(t => t.SerializeMessages = true));

        await host.Bus.SendAsync(new Garbled(12));
        await host.Bus.SendAsync(new Garbled(13));
        await host.Bus.SendAsync(new Garbled(14));
        await Wait.For(trail.Handled, 2);
        await Wait.For(host.StopAsync());

        Assert.Equal(["handled 12", "handled 14"], trail.Steps.ToArray());
        Assert.Equal(1, counters.Get("contracts.messages.failed", Descriptor.Of<Garbled>()));
        LogCollector.Entry unreadable = Assert.Single(logs.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(6, unreadable.EventId); // Unreadable, not a handler failure
        Assert.IsType<UnreadableMessageException>(unreadable.Exception);
    }
}

/// <summary>Keeps every log entry, for tests that check what the runtime reports.</summary>
internal sealed class LogCollector : ILoggerProvider
{
    public sealed record Entry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue(new Entry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
