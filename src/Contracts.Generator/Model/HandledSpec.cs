using Contracts.CodeAnalysis;

namespace Contracts.Generator.Model;

/// <summary>One message a handler handles; <paramref name="FromReference"/> when the contract is compiled in another assembly.</summary>
internal sealed record HandledSpec(ContractKind Kind, string MessageType, string? ResultType, bool FromReference);
