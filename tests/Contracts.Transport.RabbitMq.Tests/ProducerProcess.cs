using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>
/// A producer in a process of its own, so a test can freeze it (SIGSTOP) across a broker restart as a long GC pause
/// or a suspended VM would: it sends <see cref="Count"/> commands from many senders at once, prints its progress,
/// and writes what became of every send to a file.
/// </summary>
public sealed class ProducerProcess : IAsyncDisposable
{
    public const int Senders = 64;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _errors = new();
    private int _sent;

    private ProducerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>How many sends the producer reported confirmed so far.</summary>
    public int Sent => Volatile.Read(ref _sent);

    public string Errors => string.Join("\n", _errors);

    /// <summary>Starts a producer of <paramref name="total"/> commands whose outcome goes to <paramref name="results"/>.</summary>
    public static ProducerProcess Start(int total, string results)
    {
        ProcessStartInfo start = ServiceProcess.StartInfo("producer");
        start.Environment["CONTRACTS_RMQ_TEST_TOTAL"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["CONTRACTS_RMQ_TEST_RESULTS"] = results;
        var producer = new ProducerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start the producer process."));
        producer._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("sent ", StringComparison.Ordinal))
            {
                Volatile.Write(ref producer._sent, int.Parse(line.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        producer._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                producer._errors.Enqueue(line);
            }
        };
        producer._process.BeginOutputReadLine();
        producer._process.BeginErrorReadLine();
        return producer;
    }

    /// <summary>Sends the process SIGSTOP or SIGCONT.</summary>
    public async Task SignalAsync(string signal)
    {
        using Process kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the producer to finish all its sends, and returns its exit code.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The producer did not finish within {timeout}: a send neither returned nor threw. Its log:\n{Errors}");
        }

        await _process.WaitForExitAsync(CancellationToken.None); // the output is read to its end
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The producer's own Main. Each line of the results file is a number and its outcome (<c>ok</c>, or the
    /// exception's type), then the slowest send in milliseconds; warnings it logged go to standard error.
    /// </summary>
    public static async Task<int> RunAsync()
    {
        int total = int.Parse(Environment.GetEnvironmentVariable("CONTRACTS_RMQ_TEST_TOTAL")!, System.Globalization.CultureInfo.InvariantCulture);
        string results = Environment.GetEnvironmentVariable("CONTRACTS_RMQ_TEST_RESULTS")!;
        var probe = new Probe();
        IHost host = await RabbitHost.StartAsync(probe, t =>
        {
            t.PublishTimeout = TimeSpan.FromSeconds(20);
            t.ConfirmTimeout = TimeSpan.FromSeconds(5);
        });
        IMessageBus bus = host.Bus();
        string[] outcomes = new string[total];
        long slowest = 0;
        int next = -1;
        int sent = 0;
        var senders = new List<Task>(Senders);
        for (int s = 0; s < Senders; s++)
        {
            senders.Add(Task.Run(async () =>
            {
                int number;
                while ((number = Interlocked.Increment(ref next)) < total)
                {
                    long started = Stopwatch.GetTimestamp();
                    try
                    {
                        await bus.SendAsync(new Count(number));
                        outcomes[number] = "ok";
                        if (Interlocked.Increment(ref sent) % 250 == 0)
                        {
                            Console.Out.WriteLine($"sent {sent}");
                        }
                    }
                    catch (Exception ex)
                    {
                        outcomes[number] = ex.GetType().Name;
                    }

                    long took = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    long seen = Interlocked.Read(ref slowest);
                    while (took > seen)
                    {
                        long prior = Interlocked.CompareExchange(ref slowest, took, seen);
                        if (prior == seen)
                        {
                            break;
                        }

                        seen = prior;
                    }
                }
            }));
        }

        await Task.WhenAll(senders);
        var lines = new List<string>(total + 1);
        for (int i = 0; i < total; i++)
        {
            lines.Add($"{i} {outcomes[i]}");
        }

        lines.Add($"slowest {slowest}");
        await File.WriteAllLinesAsync(results, lines);
        foreach (string log in probe.Logs)
        {
            await Console.Error.WriteLineAsync(log);
        }

        await host.StopQuietlyAsync();
        return 0;
    }
}
