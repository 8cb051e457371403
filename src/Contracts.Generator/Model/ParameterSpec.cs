namespace Contracts.Generator.Model;

/// <summary>A handler constructor parameter, resolved from DI by the generated factory.</summary>
internal sealed record ParameterSpec(string Type, bool Optional);
