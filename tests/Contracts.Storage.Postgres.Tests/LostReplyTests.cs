using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// A claiming statement that commits on the server while its reply is lost (the server restarted, the connection broke
/// after the commit): the caller holds nothing, so its bus must not keep the rows claimed. The proxy between the store
/// and the server cuts the connection when the reply to the armed statement arrives, after the server committed.
/// </summary>
public sealed class LostReplyTests : IAsyncLifetime
{
    private readonly string _schema = PostgresServer.NewSchema("lost");
    private readonly ReplyCutter _proxy = new(PostgresServer.ConnectionString);
    private PostgresMessageStore _store = null!;
    private PostgresMessageStore _other = null!;

    public async ValueTask InitializeAsync()
    {
        _proxy.Start();
        // No listener: its connection would see notifications, and the proxy cuts the first reply it forwards.
        _store = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = _proxy.ConnectionString, Schema = _schema, ListenForWork = false });
        await _store.InitializeAsync(default);
        _other = new PostgresMessageStore(new PostgresStoreOptions { ConnectionString = PostgresServer.ConnectionString, Schema = _schema, ListenForWork = false });
        await _other.InitializeAsync(default);
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await _other.DisposeAsync();
        _proxy.Dispose();
        await PostgresServer.DropSchemaAsync(_schema);
    }

    [Fact]
    public async Task Rows_of_a_claim_whose_reply_was_lost_are_given_back_at_the_next_renewal()
    {
        await _other.Queue.EnqueueAsync([Contract.Record(new Work(1)), Contract.Record(new Work(2))], new StoreClaim("sender", DateTimeOffset.UtcNow.AddMinutes(5)), default);
        await _other.Queue.ReleaseAsync("sender", default);
        var claim = new StoreClaim("bus", DateTimeOffset.UtcNow.AddMinutes(5));

        _proxy.CutNextReply();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => _store.Queue.ClaimAsync([Contract.Of<Work>().Name], claim, 10, default).AsTask());

        // The server did commit: both rows are claimed by a bus that never got them, and counted as delivered.
        Assert.Equal(2, await CountAsync("owner = 'bus' AND deliveries = 1"));
        Assert.Equal(1, _store.DoubtfulClaims);

        await _store.Queue.RenewAsync(claim with { Until = DateTimeOffset.UtcNow.AddMinutes(5) }, default);

        Assert.Equal(2, await CountAsync("owner IS NULL AND deliveries = 0"));
        Assert.Equal(0, _store.DoubtfulClaims);
        IReadOnlyList<MessageRecord> taken = await _other.Queue.ClaimAsync([Contract.Of<Work>().Name], new StoreClaim("survivor", DateTimeOffset.UtcNow.AddMinutes(5)), 10, default);
        Assert.Equal(2, taken.Count);
        Assert.All(taken, r => Assert.Equal(1, r.Deliveries));
    }

    [Fact]
    public async Task A_send_whose_reply_was_lost_is_delivered_by_another_bus_and_held_rows_stay_held()
    {
        var claim = new StoreClaim("bus", DateTimeOffset.UtcNow.AddMinutes(5));
        // A row the bus holds and handles: the renewal must keep it.
        MessageRecord held = Contract.Record(new Work(1));
        await _store.Queue.EnqueueAsync([held], claim, default);

        _proxy.CutNextReply();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => _store.Queue.EnqueueAsync([Contract.Record(new Work(2))], claim, default).AsTask());
        Assert.Equal(2, await CountAsync("owner = 'bus'"));

        await _store.Queue.RenewAsync(claim with { Until = DateTimeOffset.UtcNow.AddMinutes(10) }, default);

        Assert.Equal(1, await CountAsync($"owner = 'bus' AND seq = {held.Sequence} AND claimed_until > now() + interval '9 minutes'"));
        IReadOnlyList<MessageRecord> taken = await _other.Queue.ClaimAsync([Contract.Of<Work>().Name], new StoreClaim("survivor", DateTimeOffset.UtcNow.AddMinutes(5)), 10, default);
        MessageRecord lost = Assert.Single(taken);
        Assert.Equal(Contract.Of<Work>().GetIdempotencyKey(new Work(2)), lost.IdempotencyKey);
    }

    [Fact]
    public async Task Doubts_are_kept_while_the_renewal_fails_and_resolved_by_the_next_one()
    {
        var claim = new StoreClaim("bus", DateTimeOffset.UtcNow.AddMinutes(5));
        _proxy.CutNextReply();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => _store.Queue.EnqueueAsync([Contract.Record(new Work(3))], claim, default).AsTask());

        await _store.Inbox.ContainsAsync("warm", "up", default); // a new connection, so that the cut hits the renewal's reply
        _proxy.CutNextReply();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => _store.Queue.RenewAsync(claim, default).AsTask());
        // The failed renewal may have committed too; either way the call is still remembered, and releasing twice is harmless.
        Assert.Equal(1, _store.DoubtfulClaims);

        await _store.Queue.RenewAsync(claim, default);
        Assert.Equal(0, _store.DoubtfulClaims);
        Assert.Equal(1, await CountAsync("owner IS NULL"));
    }

    private Task<long> CountAsync(string where) => PostgresServer.ScalarAsync($"SELECT count(*) FROM \"{_schema}\".queue WHERE {where}");

    /// <summary>
    /// A TCP proxy to the test server that, once armed, closes the client's connection instead of forwarding the next
    /// bytes the server sends: the reply to a statement the server has already run (and, outside a transaction, committed).
    /// </summary>
    private sealed class ReplyCutter(string target) : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly NpgsqlConnectionStringBuilder _target = new(target);
        private int _armed;

        public string ConnectionString => new NpgsqlConnectionStringBuilder(target)
        {
            Host = "127.0.0.1",
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port,
            // One connection at a time through the proxy; and no reset of a pooled connection, whose reply would come
            // before the statement's and take the cut instead.
            MaxPoolSize = 1,
            NoResetOnClose = true,
        }.ConnectionString;

        public void Start()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public void CutNextReply() => Volatile.Write(ref _armed, 1);

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                _ = RelayAsync(client);
            }
        }

        private async Task RelayAsync(TcpClient client)
        {
            using (client)
            using (var server = new TcpClient())
            {
                await server.ConnectAsync(_target.Host!, _target.Port);
                NetworkStream toClient = client.GetStream();
                NetworkStream toServer = server.GetStream();
                Task up = toClient.CopyToAsync(toServer, _stop.Token);
                Task down = ForwardRepliesAsync(toServer, toClient);
                await Task.WhenAny(up, down);
            }
        }

        private async Task ForwardRepliesAsync(NetworkStream from, NetworkStream to)
        {
            byte[] buffer = new byte[16 * 1024];
            while (true)
            {
                int read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0 || Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    return; // the relay ends and both connections close: the reply is lost
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
