namespace Contracts.CodeAnalysis;

internal static class HelpLinks
{
    public const string Base = "https://github.com/contracts-dotnet/contracts/blob/main/docs/diagnostics/";

    public static string For(string id) => Base + id + ".md";
}
