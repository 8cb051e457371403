using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Contracts.Storage;
using Contracts.Transport;

namespace Contracts.Testing.Compliance;

/// <summary>
/// The transport compliance suite: what every transport (and every transport with a store) must do, as xunit tests.
/// Derive a test class from it with a <see cref="TransportFixture"/> in the transport's test project; every test is
/// then run against that transport. Tests never skip: where <typeparamref name="TFixture"/> lacks a capability the
/// suite asserts the behaviour documented for that case. Every wait is bounded by <see cref="TransportFixture.Timeout"/>.
/// </summary>
/// <typeparam name="TFixture">The transport's fixture.</typeparam>
/// <remarks>The tests are split by theme over several files of this partial class.</remarks>
public abstract partial class TransportCompliance<TFixture> : IClassFixture<TFixture>
    where TFixture : TransportFixture
{
    /// <summary>How long the suite keeps looking for something that must not happen (a second delivery).</summary>
    private static readonly TimeSpan s_grace = TimeSpan.FromMilliseconds(500);

    /// <summary>Creates the suite for <paramref name="fixture"/>'s transport.</summary>
    /// <param name="fixture">The transport's fixture, shared by the tests of the class.</param>
    protected TransportCompliance(TFixture fixture)
    {
        Fixture = fixture ?? throw new ArgumentNullException(nameof(fixture));
    }

    /// <summary>The transport's fixture.</summary>
    protected TFixture Fixture { get; }

    private TimeSpan Timeout => Fixture.Timeout;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A new log for one test, after the fixture emptied the endpoints it uses.</summary>
    private async Task<ComplianceLog> BeginAsync(params string[] endpoints)
    {
        await Bounded(Fixture.ResetAsync(endpoints), "the fixture's ResetAsync").ConfigureAwait(false);
        return new ComplianceLog();
    }

    private Task<ComplianceBus> StartAsync(ComplianceLog log, string label, Action<TransportOptions>? endpoints = null, Action<ContractsOptions>? options = null) =>
        Bounded(ComplianceBus.StartAsync(Fixture, log, label, endpoints, options), $"bus {label} to start");

    /// <summary>Awaits <paramref name="task"/> for at most the fixture's timeout; a hang fails the test (not with a <see cref="TimeoutException"/>, which some tests expect).</summary>
    private async Task<T> Bounded<T>(Task<T> task, string what)
    {
        await Bounded((Task)task, what).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    private async Task Bounded(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Timeout, Cancel).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            Assert.Fail($"Timed out after {Timeout.TotalSeconds:0.#} s waiting for {what}.");
        }
    }

    private Task Bounded(ValueTask task, string what) => Bounded(task.AsTask(), what);

    private Task<T> Bounded<T>(ValueTask<T> task, string what) => Bounded(task.AsTask(), what);

    private static int Count(IReadOnlyList<Handled> handled, string what, Guid id)
    {
        int count = 0;
        foreach (Handled h in handled)
        {
            if (h.Id == id && h.What == what)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Polls <paramref name="bus"/>'s <see cref="IDeadLetters"/> until <paramref name="match"/> finds a letter.</summary>
    private async Task<DeadLetter> WaitForDeadLetterAsync(ComplianceBus bus, ComplianceLog log, Func<DeadLetter, bool> match, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        IReadOnlyList<DeadLetter> letters = [];
        while (stopwatch.Elapsed < Timeout)
        {
            letters = await Bounded(bus.DeadLetters.ListAsync(cancellationToken: Cancel), "IDeadLetters.ListAsync").ConfigureAwait(false);
            foreach (DeadLetter letter in letters)
            {
                if (match(letter))
                {
                    return letter;
                }
            }

            await Task.Delay(50, Cancel).ConfigureAwait(false);
        }

        Assert.Fail($"IDeadLetters.ListAsync listed no dead letter for {what} within {Timeout.TotalSeconds:0.#} s " +
                    $"(it listed {letters.Count}: {string.Join("; ", letters)}).{log.Describe()}");
        throw new UnreachableException();
    }

    private static TimeSpan Between(long from, long to) => Stopwatch.GetElapsedTime(from, to);
}
