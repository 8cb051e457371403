using System;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;
using Contracts.EventSourcing;

namespace Contracts.Projections;

/// <summary>
/// What the generator writes for a <see cref="ProjectionAttribute"/> class: its name, the events it reads, how it is
/// created, and a direct call of its step per event (a type switch, no reflection).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ProjectionDescriptor
{
    private readonly string[] _handled;

    /// <summary>Creates the descriptor (generated code calls this).</summary>
    /// <param name="name">The stable name.</param>
    /// <param name="projectionType">The projection class.</param>
    /// <param name="handled">The contracts of the events it reads.</param>
    /// <param name="factory">Creates an instance from a scope's services.</param>
    /// <param name="project">Calls the instance's step for the event.</param>
    /// <param name="reset">Calls its <see cref="IRebuildableProjection.ResetAsync"/>, or <see langword="null"/> when it has none.</param>
    public ProjectionDescriptor(
        string name,
        Type projectionType,
        ContractDescriptor[] handled,
        Func<IServiceProvider, object> factory,
        Func<object, RecordedEvent, ProjectionContext, CancellationToken, ValueTask> project,
        Func<object, ProjectionContext, CancellationToken, ValueTask>? reset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(handled);
        Name = name;
        ProjectionType = projectionType ?? throw new ArgumentNullException(nameof(projectionType));
        Handled = handled;
        _handled = new string[handled.Length];
        for (int i = 0; i < handled.Length; i++)
        {
            _handled[i] = handled[i].Name;
        }

        Array.Sort(_handled, StringComparer.Ordinal);
        Factory = factory ?? throw new ArgumentNullException(nameof(factory));
        Project = project ?? throw new ArgumentNullException(nameof(project));
        Reset = reset;
    }

    /// <summary>The stable name (checkpoint, status, rebuild).</summary>
    public string Name { get; }

    /// <summary>The projection class.</summary>
    public Type ProjectionType { get; }

    /// <summary>The contracts of the events it reads.</summary>
    public ContractDescriptor[] Handled { get; }

    internal Func<IServiceProvider, object> Factory { get; }

    internal Func<object, RecordedEvent, ProjectionContext, CancellationToken, ValueTask> Project { get; }

    internal Func<object, ProjectionContext, CancellationToken, ValueTask>? Reset { get; }

    /// <summary>Whether it reads events of the contract named <paramref name="contractName"/> (any version): others are skipped unread.</summary>
    /// <param name="contractName">The contract's wire name.</param>
    /// <returns>Whether it reads them.</returns>
    public bool Reads(string contractName) => Array.BinarySearch(_handled, contractName, StringComparer.Ordinal) >= 0;

    /// <summary>The descriptor of <typeparamref name="TEvent"/> (generated code calls this).</summary>
    /// <typeparam name="TEvent">An event contract.</typeparam>
    /// <returns>Its descriptor.</returns>
    public static ContractDescriptor Contract<TEvent>()
        where TEvent : class, IContract<TEvent> => TEvent.Contract;
}
