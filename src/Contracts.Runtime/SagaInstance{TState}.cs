using System;
using System.Collections.Generic;

namespace Contracts;

/// <summary>A saga instance as stored, for inspection (<see cref="ISagas"/>).</summary>
/// <typeparam name="TState">The saga's state.</typeparam>
/// <param name="SagaId">The instance id, as text (a <see cref="Guid"/> without dashes).</param>
/// <param name="Status">Running or how it ended.</param>
/// <param name="Version">How many steps were saved.</param>
/// <param name="State">The state the last step left.</param>
/// <param name="PendingCompensations">The contracts of the compensations recorded and not yet run, oldest first.</param>
/// <param name="History">What happened, oldest first.</param>
/// <param name="UpdatedAt">When the last step was saved.</param>
public sealed record SagaInstance<TState>(
    string SagaId,
    SagaStatus Status,
    long Version,
    TState State,
    IReadOnlyList<string> PendingCompensations,
    IReadOnlyList<SagaHistoryEntry> History,
    DateTimeOffset UpdatedAt);
