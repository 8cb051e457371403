namespace Contracts.Docs.Tests;

/// <summary>How a snippet is compiled; see <see cref="MarkdownSnippets"/> for the convention.</summary>
public enum SnippetKind
{
    /// <summary>A C# file (declarations, or top-level statements), compiled with its page's setup.</summary>
    File,

    /// <summary>Statements, compiled as the body of an async method after its page's locals, with its page's setup.</summary>
    Body,

    /// <summary>One block of a named group: the group's blocks, in order, are one complete file compiled alone.</summary>
    Group,
}

/// <summary>One ```csharp block of a page.</summary>
/// <param name="Page">The page's path from the repository root, with forward slashes.</param>
/// <param name="Line">The 1-based line of the block's first code line in the page.</param>
/// <param name="Kind">How it compiles.</param>
/// <param name="Group">The group's name, for <see cref="SnippetKind.Group"/>.</param>
/// <param name="Code">The code, its fence's indentation removed.</param>
public sealed record Snippet(string Page, int Line, SnippetKind Kind, string? Group, string Code)
{
    public override string ToString() => $"{Page}:{Line}";
}
