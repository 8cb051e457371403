using System;
using Microsoft.Extensions.Logging;

namespace Contracts.Testing.Compliance;

/// <summary>Keeps what a bus logs at Warning and above in the test's log, so a failure message says what the bus saw.</summary>
internal sealed class ComplianceLoggerFactory(ComplianceProbe probe) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new ComplianceLogger(probe);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class ComplianceLogger(ComplianceProbe probe) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                probe.Log.Logs.Enqueue($"{probe.Bus} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})")}");
            }
        }
    }
}
