using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Contracts.Generator.Model;

/// <summary>
/// A source location as values (path, span, line span), so a diagnostic can travel through the pipeline: a
/// <see cref="Location"/> holds its syntax tree, which would keep every step from being cached.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location location) =>
        location.IsInSource && location.SourceTree is { } tree
            ? new LocationInfo(tree.FilePath, location.SourceSpan, location.GetLineSpan().Span)
            : null;

    /// <summary>
    /// The location in <paramref name="compilation"/>'s tree of that path, so the diagnostic is a source diagnostic (a
    /// <c>#pragma</c> and code fixes apply); a path no tree has (a tree replaced since) gets a location by path.
    /// </summary>
    public Location ToLocation(Compilation compilation)
    {
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            if (string.Equals(tree.FilePath, FilePath, System.StringComparison.Ordinal))
            {
                return Span.End <= tree.Length ? Location.Create(tree, Span) : Location.Create(FilePath, Span, LineSpan);
            }
        }

        return Location.Create(FilePath, Span, LineSpan);
    }
}
