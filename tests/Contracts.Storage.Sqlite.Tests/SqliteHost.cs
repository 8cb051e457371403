using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>A temporary folder with a database file in it, deleted at the end of the test.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "contracts-sqlite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Path = System.IO.Path.Combine(Folder, "bus.db");
    }

    public string Folder { get; }

    public string Path { get; }

    public string ConnectionString => $"Data Source={Path}";

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using SqliteCommand pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    public long Scalar(string sql)
    {
        using SqliteConnection connection = Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Execute(string sql)
    {
        using SqliteConnection connection = Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A bus on a SQLite file, started like a host starts it and stopped at the end of a test.</summary>
internal sealed class SqliteBus : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly ServiceProvider _provider;
    private readonly IHostedService[] _hosted;
    private bool _stopped;

    private SqliteBus(ServiceProvider provider)
    {
        _provider = provider;
        _hosted = [.. provider.GetServices<IHostedService>()];
        Bus = provider.GetRequiredService<IMessageBus>();
    }

    public IMessageBus Bus { get; }

    public IDeadLetters DeadLetters => _provider.GetRequiredService<IDeadLetters>();

    public SqliteMessageStore Store => (SqliteMessageStore)_provider.GetRequiredService<IMessageStore>();

    public static async Task<SqliteBus> StartAsync(
        TempDatabase database,
        Action<IServiceCollection>? services = null,
        Action<InMemoryTransportOptions>? transport = null,
        Action<SqliteStoreOptions>? store = null,
        Action<ContractsOptions>? options = null)
    {
        var collection = new ServiceCollection();
        services?.Invoke(collection);
        collection.AddContracts(o =>
        {
            o.UseInMemoryTransport(transport).UseSqlite(database.ConnectionString, s =>
            {
                s.Synchronous = SqliteSynchronous.Normal; // the tests kill processes, they do not pull the power
                store?.Invoke(s);
            });
            o.ShutdownTimeout = TimeSpan.FromSeconds(5);
            options?.Invoke(o);
        });
        var bus = new SqliteBus(collection.BuildServiceProvider());
        foreach (IHostedService hosted in bus._hosted)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return bus;
    }

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var cts = new CancellationTokenSource(Timeout);
        for (int i = _hosted.Length - 1; i >= 0; i--)
        {
            await _hosted[i].StopAsync(cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().WaitAsync(Timeout);
        await _provider.DisposeAsync();
    }
}

internal static class Wait
{
    public static Task For(Task task) => task.WaitAsync(SqliteBus.Timeout);

    public static async Task For(SemaphoreSlim semaphore, int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True(await semaphore.WaitAsync(SqliteBus.Timeout), $"Timed out waiting for signal {i + 1} of {count}.");
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after the timeout.</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow + SqliteBus.Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(10);
        }
    }

    public static async Task<IReadOnlyList<DeadLetter>> ForDeadLetters(IDeadLetters deadLetters, int count)
    {
        DateTime deadline = DateTime.UtcNow + SqliteBus.Timeout;
        while (true)
        {
            IReadOnlyList<DeadLetter> letters = await deadLetters.ListAsync();
            if (letters.Count >= count)
            {
                return letters;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {count} dead letters; {letters.Count} exist.");
            await Task.Delay(10);
        }
    }
}
