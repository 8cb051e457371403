namespace Contracts.Generator.Model;

/// <summary>One Apply method of an aggregate: its event, and how deep the event derives (derived events are tested first).</summary>
internal sealed record AggregateApplySpec(string EventType, string EventName, int Depth);
