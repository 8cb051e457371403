namespace Contracts.CodeAnalysis;

/// <summary>
/// Which readers must understand which writers, set per project by the MSBuild property <c>ContractsCompatibility</c>
/// (as a schema registry's BACKWARD, FORWARD and FULL).
/// </summary>
internal enum CompatibilityMode
{
    /// <summary>The new code reads every recorded version (consumers are deployed first, stores keep old messages). The default.</summary>
    Backward,

    /// <summary>The recorded versions' code reads what the new code writes (producers are deployed first).</summary>
    Forward,

    /// <summary>Both: any mix of old and new producers and consumers.</summary>
    Full,
}

/// <summary>Reads <see cref="CompatibilityMode"/> from the MSBuild property's text.</summary>
internal static class CompatibilityModes
{
    /// <summary>The MSBuild property, as analyzers see it (CompilerVisibleProperty).</summary>
    public const string BuildProperty = "build_property.ContractsCompatibility";

    /// <summary>Parses the property's value, ignoring case; empty or absent is <see cref="CompatibilityMode.Backward"/>.</summary>
    public static bool TryParse(string? text, out CompatibilityMode mode)
    {
        mode = CompatibilityMode.Backward;
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "backward":
                return true;
            case "forward":
                mode = CompatibilityMode.Forward;
                return true;
            case "full":
                mode = CompatibilityMode.Full;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether new readers must read old messages.</summary>
    public static bool ChecksBackward(this CompatibilityMode mode) => mode != CompatibilityMode.Forward;

    /// <summary>Whether old readers must read new messages.</summary>
    public static bool ChecksForward(this CompatibilityMode mode) => mode != CompatibilityMode.Backward;
}
