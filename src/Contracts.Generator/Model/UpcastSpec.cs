namespace Contracts.Generator.Model;

/// <summary>
/// One [UpcastFrom] of a contract: the older version's type and version, and per member of the newer contract (in the
/// order of its <see cref="ObjectSpec.Members"/>) the older member it copies, or an empty string when it takes its default.
/// </summary>
internal sealed record UpcastSpec(string OlderType, int OlderVersion, EquatableArray<string> Sources);
