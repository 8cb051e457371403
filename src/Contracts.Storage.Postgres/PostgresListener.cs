using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// LISTENs on the store's channel on a connection of its own and wakes the bus's loops on each notification (see
/// <see cref="IMessageStore.OnWork"/>): a notification's payload names what became free (<see cref="QueuePayload"/>,
/// <see cref="OutboxPayload"/>, <see cref="EventsPayload"/>, or several), and only the loops that take it are woken; one it cannot read wakes them all.
/// When the connection breaks (the server restarted), it connects again every second and wakes every loop once it
/// listens again, since notifications sent meanwhile were lost; the loops poll meanwhile.
/// </summary>
internal sealed class PostgresListener(NpgsqlDataSource dataSource, PostgresSql sql) : IAsyncDisposable
{
    /// <summary>In a payload: queued rows became free.</summary>
    public const string QueuePayload = "queue";

    /// <summary>In a payload: outbox rows were committed or given back.</summary>
    public const string OutboxPayload = "outbox";

    /// <summary>In a payload: events were appended.</summary>
    public const string EventsPayload = "events";

    private const StoreWork AnyWork = StoreWork.QueueRows | StoreWork.OutboxRows | StoreWork.EventsAppended;

    private static readonly TimeSpan s_reconnectDelay = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private Registration[] _registrations = [];
    private Task? _loop;

    /// <summary>Whether the listener is connected and listening (for tests).</summary>
    public bool Listening { get; private set; }

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);

    public IDisposable Register(StoreWork work, Action wake)
    {
        ArgumentNullException.ThrowIfNull(wake);
        var registration = new Registration(this, work, wake);
        lock (_lock)
        {
            _registrations = [.. _registrations, registration];
        }

        return registration;
    }

    private void Unregister(Registration registration)
    {
        lock (_lock)
        {
            _registrations = Array.FindAll(_registrations, r => r != registration);
        }
    }

    /// <summary>What a notification's payload says became free: every kind for a payload this version does not know.</summary>
    internal static StoreWork WorkOf(string payload)
    {
        StoreWork work = 0;
        if (payload.Contains(QueuePayload, StringComparison.Ordinal))
        {
            work |= StoreWork.QueueRows;
        }

        if (payload.Contains(OutboxPayload, StringComparison.Ordinal))
        {
            work |= StoreWork.OutboxRows;
        }

        if (payload.Contains(EventsPayload, StringComparison.Ordinal))
        {
            work |= StoreWork.EventsAppended;
        }

        return work == 0 ? AnyWork : work;
    }

    private void Wake(StoreWork work)
    {
        foreach (Registration registration in Volatile.Read(ref _registrations))
        {
            if ((registration.Work & work) != 0)
            {
                registration.Wake();
            }
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, e) => Wake(WorkOf(e.Payload));
                await using (var listen = new NpgsqlCommand(sql.Listen, connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                Wake(AnyWork);
                Listening = true; // after the wake-up of every loop, so a test that sees it hears only what comes next
                while (true)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.IO.IOException or TimeoutException or InvalidOperationException)
            {
                // The server went away: the loops poll until it is back.
                Listening = false;
            }

            try
            {
                await Task.Delay(s_reconnectDelay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private sealed class Registration(PostgresListener listener, StoreWork work, Action wake) : IDisposable
    {
        public StoreWork Work => work;

        public Action Wake => wake;

        public void Dispose() => listener.Unregister(this);
    }
}
