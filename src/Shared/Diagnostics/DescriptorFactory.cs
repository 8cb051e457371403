using Microsoft.CodeAnalysis;

namespace Contracts.CodeAnalysis;

/// <summary>Builds every Contracts descriptor, the generator's included, so category, help link and tags are set one way.</summary>
internal static class DescriptorFactory
{
    public const string Definition = "Contracts.Definition";
    public const string Handlers = "Contracts.Handlers";
    public const string Reliability = "Contracts.Reliability";
    public const string Generator = "Contracts.Generator";
    public const string Evolution = "Contracts.Evolution";

    /// <summary>
    /// An enabled descriptor linking to <c>docs/diagnostics/&lt;id&gt;.md</c>; <paramref name="compilationEnd"/> tags a rule that
    /// needs the whole compilation, so IDEs know it shows on build, not while typing.
    /// </summary>
    public static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, bool compilationEnd, string title, string message, string? description) =>
        new(
            id,
            title,
            message,
            category,
            severity,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: HelpLinks.For(id),
            customTags: compilationEnd ? [WellKnownDiagnosticTags.CompilationEnd] : []);
}
