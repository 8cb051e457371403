using System;

namespace Contracts.Projections;

/// <summary>A batch found, in its own transaction, that this process no longer holds the projection's lease: it was rolled back.</summary>
internal sealed class ProjectionLeaseLostException(string projection) : InvalidOperationException(
    $"Projection '{projection}' lost its lease to another process (which took it over after this one stalled past its claim, or rebuilt it): " +
    "this process's batch was rolled back, and the projection runs where the lease is held.");
