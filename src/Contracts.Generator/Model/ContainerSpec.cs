namespace Contracts.Generator.Model;

/// <summary>A type the contract is nested in (each must be partial).</summary>
internal sealed record ContainerSpec(string Keyword, string Name);
