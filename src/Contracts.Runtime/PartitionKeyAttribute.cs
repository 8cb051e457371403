using System;

namespace Contracts;

/// <summary>
/// Marks a member that orders the message: on an endpoint of its contract, messages with equal values of every such
/// member (the partition key) are handled one at a time in the order they were sent, while messages of other keys are
/// handled in parallel, up to <see cref="EndpointOptions.MaxConcurrency"/>. The generator hashes the key members'
/// canonical values the same way in every process (see docs/ordering.md).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter, Inherited = false)]
public sealed class PartitionKeyAttribute : Attribute;
