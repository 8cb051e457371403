using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Tests.Partitions;

[Command(Name = KeyedContract.Name)] // each transport's tests name it apart, so that they never read each other's messages
public partial record Keyed([property: PartitionKey] int Key, int Seq);

/// <summary>
/// What the handlers of <see cref="Keyed"/> did in one process: each handling with its end time on the machine's
/// monotonic clock (Stopwatch: the same clock in every process here, so records of two processes merge in time).
/// A consumer process writes each record to its standard output before the handler returns, so before the ack.
/// </summary>
public sealed class KeyedLedger
{
    public const int Keys = 1000;

    public readonly ConcurrentQueue<(int Key, int Seq, long At)> Handled = new();
    public readonly ConcurrentQueue<string> Violations = new();
    public readonly int[] InFlight = new int[Keys];
    public TextWriter? Out;
    public int Count;

    /// <summary>
    /// The injected failures, the same in every process: 1% of the messages fail their first attempt (the immediate
    /// retry runs them), 0.3% fail twice (a delayed retry runs them, holding their key).
    /// </summary>
    public static bool Fails(Keyed message, int attempt)
    {
        int roll = (int)(((uint)message.Key * 7919u + (uint)message.Seq * 104729u) % 1000u);
        return (roll < 10 && attempt == 1) || (roll is >= 10 and < 13 && attempt <= 2);
    }

    public void Record(Keyed message)
    {
        long at = Stopwatch.GetTimestamp();
        Handled.Enqueue((message.Key, message.Seq, at));
        Interlocked.Increment(ref Count);
        Out?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"h {message.Key} {message.Seq} {at}"));
    }

    /// <summary>Reads a consumer process's records from its output into <paramref name="into"/>; returns when the output ends.</summary>
    public static async Task ReadAsync(StreamReader output, ConcurrentQueue<(int Key, int Seq, long At)> into, Action? ready)
    {
        while (await output.ReadLineAsync() is { } line)
        {
            if (line == "ready")
            {
                ready?.Invoke();
                continue;
            }

            string[] parts = line.Split(' ');
            if (parts.Length == 4 && parts[0] == "h")
            {
                into.Enqueue((int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture)));
            }
        }
    }

    /// <summary>
    /// Checks the merged records of every process in time order: per key no message is handled before every earlier
    /// one of its key was (a gap is a violation), and every message was handled. A repeat (the key's sequence starts
    /// again at a message already handled) is at-least-once redelivery after a consumer died; counted, and a violation
    /// unless <paramref name="repeatsAllowed"/>.
    /// </summary>
    public static (List<string> Violations, int Repeats) Check(IEnumerable<(int Key, int Seq, long At)> records, int perKey, bool repeatsAllowed)
    {
        var all = new List<(int Key, int Seq, long At)>(records);
        all.Sort(static (a, b) => a.At.CompareTo(b.At));
        int[] highest = new int[Keys];
        int[] last = new int[Keys];
        var violations = new List<string>();
        int repeats = 0;
        foreach ((int key, int seq, long _) in all)
        {
            if (seq > highest[key] + 1)
            {
                violations.Add($"key {key}: {seq} handled before {highest[key] + 1}");
            }
            else if (seq == highest[key] + 1 && last[key] < highest[key])
            {
                violations.Add($"key {key}: {seq} handled before the redelivery of {last[key] + 1}..{highest[key]} finished");
            }
            else if (seq <= highest[key])
            {
                repeats++;
                if (!repeatsAllowed)
                {
                    violations.Add($"key {key}: {seq} handled again after {highest[key]}");
                }
                else if (seq > last[key] + 1)
                {
                    violations.Add($"key {key}: redelivered {seq} after {last[key]}, skipping {last[key] + 1}");
                }
            }

            last[key] = seq;
            highest[key] = Math.Max(highest[key], seq);
        }

        for (int key = 0; key < Keys; key++)
        {
            if (highest[key] != perKey)
            {
                violations.Add($"key {key}: handled up to {highest[key]} of {perKey}");
            }
        }

        return (violations, repeats);
    }
}

[Idempotent]
public sealed class KeyedHandler(KeyedLedger ledger) : ICommandHandler<Keyed>
{
    public async ValueTask HandleAsync(Keyed command, MessageContext context, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref ledger.InFlight[command.Key]) != 1)
        {
            ledger.Violations.Enqueue($"key {command.Key}: two at once at {command.Seq}");
        }

        try
        {
            // Random handler times: most return at once, some yield, a few spin or sleep a little.
            int roll = Random.Shared.Next(1000);
            if (roll < 300)
            {
                await Task.Yield();
            }
            else if (roll < 320)
            {
                Thread.SpinWait(2000);
            }
            else if (roll < 322)
            {
                await Task.Delay(1, cancellationToken);
            }

            if (KeyedLedger.Fails(command, context.Attempt))
            {
                throw new TimeoutException($"key {command.Key} seq {command.Seq} attempt {context.Attempt} failed on purpose");
            }

            ledger.Record(command);
        }
        finally
        {
            Interlocked.Decrement(ref ledger.InFlight[command.Key]);
        }
    }
}

/// <summary>What the partition ordering tests of every transport do alike: send the keys' sequences, wait, run consumer processes.</summary>
public static class KeyedRuns
{
    /// <summary>Whether the records of two processes hold the last message of every key (each key's sequence ends at <paramref name="perKey"/>).</summary>
    public static bool HandledAll(ConcurrentQueue<(int Key, int Seq, long At)> first, ConcurrentQueue<(int Key, int Seq, long At)> second, int perKey)
    {
        if (first.Count + second.Count < perKey * KeyedLedger.Keys)
        {
            return false;
        }

        int[] highest = new int[KeyedLedger.Keys];
        foreach ((int key, int seq, long _) in first)
        {
            highest[key] = Math.Max(highest[key], seq);
        }

        foreach ((int key, int seq, long _) in second)
        {
            highest[key] = Math.Max(highest[key], seq);
        }

        return Array.TrueForAll(highest, h => h == perKey);
    }

    /// <summary>
    /// Sends seq 1..<paramref name="perKey"/> of every key: 32 senders, each awaiting every send of its own keys
    /// in turn, so each key's sends are in order and different keys go out at once.
    /// </summary>
    public static async Task SendAsync(IMessageBus bus, int perKey)
    {
        const int senders = 32;
        var tasks = new Task[senders];
        for (int s = 0; s < senders; s++)
        {
            int sender = s;
            tasks[s] = Task.Run(async () =>
            {
                for (int seq = 1; seq <= perKey; seq++)
                {
                    for (int key = sender; key < KeyedLedger.Keys; key += senders)
                    {
                        await bus.SendAsync(new Keyed(key, seq));
                    }
                }
            });
        }

        await Task.WhenAll(tasks);
    }

    /// <summary>Starts a consumer process (its standard input redirected: closing it asks the process to stop) and reads its records until it says "ready".</summary>
    public static async Task<(Process Process, Task Read)> StartConsumerAsync(ProcessStartInfo start, ConcurrentQueue<(int Key, int Seq, long At)> records)
    {
        start.RedirectStandardInput = true;
        Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a consumer process.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task read = KeyedLedger.ReadAsync(process.StandardOutput, records, () => ready.TrySetResult());
        Task<string> errors = process.StandardError.ReadToEndAsync();
        if (await Task.WhenAny(ready.Task, read, Task.Delay(TimeSpan.FromSeconds(60))) != ready.Task)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"The consumer process did not start: {await errors}");
        }

        return (process, read);
    }

    /// <summary>Asks a consumer process to stop and drain (its standard input closed), killing it after 30 s; then reads the rest of its records.</summary>
    public static async Task StopConsumerAsync(Process process, Task read)
    {
        if (!process.HasExited)
        {
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        await read;
        process.Dispose();
    }
}
