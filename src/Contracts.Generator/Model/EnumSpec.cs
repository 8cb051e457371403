namespace Contracts.Generator.Model;

/// <summary>
/// An enum on the wire, read through the formatter generated for it beside the contract's. <paramref name="Check"/>
/// is a C# condition on the number read (named <c>value</c>) that holds for the enum's defined values, or for a
/// [Flags] enum for any combination of its defined bits; null when every number of the underlying type is defined.
/// </summary>
internal sealed record EnumSpec(
    string FullyQualifiedName,
    string FormatterName,
    string ReadMethod,
    bool Signed,
    string? Check);
