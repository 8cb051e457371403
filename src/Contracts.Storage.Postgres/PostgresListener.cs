using System;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres;

/// <summary>
/// LISTENs on the store's channel on a connection of its own and wakes the bus's loops on each notification (see
/// <see cref="IMessageStore.OnWork"/>). When the connection breaks (the server restarted), it connects again every second
/// and wakes the loops once it listens again, since notifications sent meanwhile were lost; the loops poll meanwhile.
/// </summary>
internal sealed class PostgresListener(NpgsqlDataSource dataSource, PostgresSql sql) : IAsyncDisposable
{
    private static readonly TimeSpan s_reconnectDelay = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private Action[] _wakes = [];
    private Task? _loop;

    /// <summary>Whether the listener is connected and listening (for tests).</summary>
    public bool Listening { get; private set; }

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);

    public IDisposable Register(Action wake)
    {
        ArgumentNullException.ThrowIfNull(wake);
        lock (_lock)
        {
            _wakes = [.. _wakes, wake];
        }

        return new Registration(this, wake);
    }

    private void Unregister(Action wake)
    {
        lock (_lock)
        {
            _wakes = Array.FindAll(_wakes, w => w != wake);
        }
    }

    private void WakeAll()
    {
        foreach (Action wake in Volatile.Read(ref _wakes))
        {
            wake();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, _) => WakeAll();
                await using (var listen = new NpgsqlCommand(sql.Listen, connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                Listening = true;
                WakeAll();
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

    private sealed class Registration(PostgresListener listener, Action wake) : IDisposable
    {
        public void Dispose() => listener.Unregister(wake);
    }
}
