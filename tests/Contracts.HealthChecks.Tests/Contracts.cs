using System;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.HealthChecks.Tests;

/// <summary>Work that waits at the <see cref="Gate"/> while a test fills the endpoint behind it.</summary>
[Command]
public partial record Work([property: IdempotencyKey] Guid Id);

/// <summary>A message whose handler always fails: with no retries, each one becomes a dead letter.</summary>
[Command]
public partial record Doomed([property: IdempotencyKey] Guid Id);

/// <summary>Holds <see cref="WorkHandler"/> until a test opens it, and counts what went through.</summary>
public sealed class Gate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _handled;

    public int Handled => Volatile.Read(ref _handled);

    public void Open() => _open.TrySetResult();

    public async Task PassAsync(CancellationToken cancellationToken)
    {
        await _open.Task.WaitAsync(cancellationToken);
        Interlocked.Increment(ref _handled);
    }
}

public sealed class WorkHandler(Gate gate) : ICommandHandler<Work>
{
    public async ValueTask HandleAsync(Work command, MessageContext context, CancellationToken cancellationToken) =>
        await gate.PassAsync(cancellationToken);
}

public sealed class DoomedHandler : ICommandHandler<Doomed>
{
    public ValueTask HandleAsync(Doomed command, MessageContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{command.Id} fails on purpose");
}
