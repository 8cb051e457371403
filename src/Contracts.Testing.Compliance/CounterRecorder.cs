using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using Contracts.Diagnostics;

namespace Contracts.Testing.Compliance;

/// <summary>Sums the <c>Contracts</c> meter's counters per instrument and contract name, from its creation on.</summary>
internal sealed class CounterRecorder : IDisposable
{
    public const string Failed = "contracts.messages.failed";
    public const string DeadLettered = "contracts.messages.dead_lettered";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Contract), long> _sums = new();

    public CounterRecorder()
    {
        _listener.InstrumentPublished = static (instrument, listener) =>
        {
            if (instrument.Meter.Name == ContractsTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    public long Get(string instrument, string contract) => _sums.TryGetValue((instrument, contract), out long sum) ? sum : 0;

    public void Dispose() => _listener.Dispose();

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            // Contracts' own counters tag the contract as contracts.contract; the messaging conventions' as its destination.
            if (tag.Key is "contracts.contract" or "messaging.destination.name" && tag.Value is string contract)
            {
                _sums.AddOrUpdate((instrument.Name, contract), value, (_, sum) => sum + value);
            }
        }
    }
}
