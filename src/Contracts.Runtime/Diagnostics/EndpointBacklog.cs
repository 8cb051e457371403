namespace Contracts.Diagnostics;

/// <summary>How many messages wait on one endpoint, as <see cref="BusProbe.CountBacklogAsync"/> found.</summary>
/// <param name="Endpoint">The endpoint (queue) name.</param>
/// <param name="Messages">The messages waiting and not being handled yet, or <see langword="null"/> when the transport cannot tell.</param>
public readonly record struct EndpointBacklog(string Endpoint, long? Messages);
