using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Contracts.Transport.Nats.Tests;

/// <summary>
/// A log file per process of the cross-process tests: every line of the Contracts categories from Debug up, with the
/// UTC time and the machine's monotonic clock (Stopwatch, the clock the ledgers' records carry), so a failing test can
/// print what each process did and in which order.
/// </summary>
public sealed class FileLoggerProvider : ILoggerProvider
{
    /// <summary>The variable a test sets for a consumer process: the file it logs to.</summary>
    public const string Variable = "CONTRACTS_NATS_TEST_LOG";

    private readonly StreamWriter _writer;
    private readonly object _gate = new();

    public FileLoggerProvider(string path)
    {
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8) { AutoFlush = true };
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    /// <summary>Writes one line (also for what the test process itself notes).</summary>
    public void Write(string category, string level, string message)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:HH:mm:ss.fff} {System.Diagnostics.Stopwatch.GetTimestamp()} {Environment.ProcessId} {level} {category}: {message}");
        lock (_gate) // test code: one writer per process, lines whole
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }

    /// <summary>The lines of <paramref name="path"/> at <paramref name="least"/> or above (by the level word each line carries) that <paramref name="keep"/> keeps, the last <paramref name="max"/>.</summary>
    public static List<string> Read(string path, LogLevel least, int max, Func<string, bool>? keep = null)
    {
        var lines = new List<string>();
        if (!File.Exists(path))
        {
            return lines;
        }

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        while (reader.ReadLine() is { } line)
        {
            string[] parts = line.Split(' ', 5);
            if (parts.Length == 5 && Enum.TryParse(parts[3], out LogLevel level) && level >= least && (keep is null || keep(line)))
            {
                lines.Add(line);
            }
        }

        return lines.Count <= max ? lines : lines.GetRange(lines.Count - max, max);
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Write(category, logLevel.ToString(), $"{formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
    }
}
