using System;
using Contracts.EventSourcing;
using Contracts.Storage;

namespace Contracts;

/// <summary>
/// What a projection step gets beside its event: where the event was recorded, the store transaction its read-model
/// writes should join (they then commit with the checkpoint, or with the append for an inline projection), and the
/// services of the batch's DI scope.
/// </summary>
public sealed class ProjectionContext
{
    private RecordedEvent? _recorded;

    internal ProjectionContext(string projection, ProjectionMode mode, IEventLogTransaction transaction, IServiceProvider services, bool rebuilding)
    {
        Projection = projection;
        Mode = mode;
        Transaction = transaction;
        Services = services;
        Rebuilding = rebuilding;
    }

    /// <summary>The projection's name.</summary>
    public string Projection { get; }

    /// <summary>Inline or asynchronous.</summary>
    public ProjectionMode Mode { get; }

    /// <summary>
    /// The event being projected, with its stream, version, position and time.
    /// </summary>
    /// <exception cref="InvalidOperationException">Read in <see cref="IRebuildableProjection.ResetAsync"/>, which has no event.</exception>
    public RecordedEvent Recorded
    {
        get => _recorded ?? throw new InvalidOperationException($"Projection '{Projection}' is being reset: there is no event.");
        internal set => _recorded = value;
    }

    /// <summary>
    /// The store transaction of this step: the projection's own SQL on the store's database joins it, so the read
    /// model, the checkpoint (and, inline, the append) commit together. Store packages give it a typed accessor
    /// (SQLite: <c>GetSqliteTransaction()</c>, PostgreSQL: <c>GetPostgresTransaction()</c>).
    /// </summary>
    public IEventLogTransaction Transaction { get; }

    /// <summary>The services of the batch's DI scope.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Whether the log is being replayed by a rebuild (the projection may skip side effects it keeps outside the read model).</summary>
    public bool Rebuilding { get; internal set; }
}
