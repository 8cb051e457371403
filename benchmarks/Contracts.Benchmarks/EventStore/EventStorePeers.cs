using System;
using System.Threading.Tasks;
using Contracts.EventSourcing;
using Contracts.Projections;
using Contracts.Storage.Postgres;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using IEventStore = Contracts.EventSourcing.IEventStore;

namespace Contracts.Benchmarks.EventStore;

/// <summary>Starting each side on the local PostgreSQL, in a schema of its own dropped first (a fresh one every run).</summary>
internal static class EventStorePeers
{
    public static readonly string Server =
        Environment.GetEnvironmentVariable("CONTRACTS_POSTGRES") is { Length: > 0 } configured ? configured : "Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres";

    /// <summary>A Contracts bus on PostgreSQL; <paramref name="projections"/> registers the suite's projections, if any.</summary>
    public static async Task<IHost> StartContractsAsync(string schema, Action<ProjectionRegistry>? projections = null)
    {
        await DropSchemaAsync(schema);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<EsTotalsInMemory>();
        builder.Services.AddContracts(o =>
        {
            o.UsePostgres(Server, s => s.Schema = schema);
            projections?.Invoke(o.Projections);
        });
        IHost host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>
    /// Marten as its documentation recommends for event-store throughput: quick append (one server-side function call
    /// per stream, no version check or stream-row read in .NET), string stream keys like Contracts', System.Text.Json,
    /// the event type registered up front, Npgsql command logging off, and the schema built before the first call.
    /// </summary>
    public static async Task<DocumentStore> StartMartenAsync(string schema, bool withProjection = false)
    {
        await DropSchemaAsync(schema);
        DocumentStore store = DocumentStore.For(o =>
        {
            o.Connection(Server);
            o.DatabaseSchemaName = schema;
            o.AutoCreateSchemaObjects = AutoCreate.All;
            o.UseSystemTextJsonForSerialization();
            o.DisableNpgsqlLogging = true;
            o.Events.StreamIdentity = StreamIdentity.AsString;
            o.Events.AppendMode = EventAppendMode.Quick;
            o.Events.AddEventType<EsDeposited>();
            if (withProjection)
            {
                o.Projections.Add(new EsTotalsMarten(), ProjectionLifecycle.Async);
            }
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return store;
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using NpgsqlDataSource source = NpgsqlDataSource.Create(Server);
        await using NpgsqlCommand drop = source.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
    }

    public static async Task StopAsync(IHost? host)
    {
        if (host is not null)
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    /// <summary>Reads <paramref name="stream"/> forwards, each event deserialized, and sums its deposits.</summary>
    public static async Task<long> SumAsync(IEventStore events, string stream)
    {
        long total = 0;
        await foreach (RecordedEvent recorded in events.ReadStreamAsync(stream))
        {
            total += ((EsDeposited)recorded.Event).Amount;
        }

        return total;
    }

    /// <summary><paramref name="count"/> deposits of 1 on <paramref name="account"/>, as both stores take them.</summary>
    public static EsDeposited[] Deposits(string account, int count)
    {
        var events = new EsDeposited[count];
        for (int i = 0; i < count; i++)
        {
            events[i] = new EsDeposited(account, 1);
        }

        return events;
    }
}
