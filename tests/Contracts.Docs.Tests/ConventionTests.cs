using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Contracts.Docs.Tests;

/// <summary>The snippet convention itself: what is found, how it is wrapped, and where an error is reported.</summary>
public sealed class ConventionTests
{
    private const string Page = """
        # A page

        <!-- snippet-setup
        global using Contracts;
        [Command] public partial record Ping([property: IdempotencyKey] int N);
        -->
        <!-- snippet-locals
        IMessageBus bus = null!;
        -->

        ```csharp
        public sealed class PingHandler : ICommandHandler<Ping>
        {
            public ValueTask HandleAsync(Ping command, MessageContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;
        }
        ```

        <!-- snippet: body -->
        ```csharp
        await bus.SendAsync(new Ping(1));
        ```

        <!-- snippet: app -->
        ```csharp
        using Contracts;
        Console.WriteLine(new Pong(1));
        ```

        ```bash
        dotnet run
        ```

        <!-- snippet: app -->
           ```csharp
           [Event] public partial record Pong(int N);
           ```
        """;

    [Fact]
    public void Plain_body_and_grouped_blocks_are_found_with_their_lines_and_the_hidden_setup()
    {
        MarkdownSnippets page = MarkdownSnippets.Parse("page.md", Page);

        Assert.Equal([SnippetKind.File, SnippetKind.Body, SnippetKind.Group, SnippetKind.Group], [.. page.Snippets.Select(s => s.Kind)]);
        Assert.Equal([12, 20, 25, 35], [.. page.Snippets.Select(s => s.Line)]);
        Assert.Equal("[Event] public partial record Pong(int N);", page.Snippets[3].Code);
        Assert.Contains("record Ping", page.Setup, StringComparison.Ordinal);
        Assert.Equal(4, page.SetupLine);
        Assert.Contains("IMessageBus bus", page.Locals, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_kind_compiles_with_what_the_convention_gives_it()
    {
        MarkdownSnippets page = MarkdownSnippets.Parse("page.md", Page);

        foreach (Snippet snippet in page.Snippets)
        {
            Assert.Empty(SnippetCompiler.Compile(page, snippet));
        }
    }

    [Fact]
    public void A_compile_error_is_reported_at_the_page_and_line_of_the_snippet()
    {
        string broken = Page.Replace("await bus.SendAsync(new Ping(1));", "await bus.SendAsync(new Ping(1));\nawait bus.PublishAsync(new Ping(2));", StringComparison.Ordinal);
        MarkdownSnippets page = MarkdownSnippets.Parse("page.md", broken);

        IReadOnlyList<string> errors = SnippetCompiler.Compile(page, page.Snippets[1]);

        string error = Assert.Single(errors);
        Assert.StartsWith("page.md:21:", error, StringComparison.Ordinal);
        Assert.Contains("CS0311", error, StringComparison.Ordinal); // Ping is a command, not an event: PublishAsync does not take it
    }

    [Fact]
    public void A_group_is_compiled_alone_without_the_page_setup()
    {
        string text = Page.Replace("Console.WriteLine(new Pong(1));", "Console.WriteLine(new Ping(1));", StringComparison.Ordinal);
        MarkdownSnippets page = MarkdownSnippets.Parse("page.md", text);

        IReadOnlyList<string> errors = SnippetCompiler.Compile(page, page.Snippets[2]);

        Assert.Contains(errors, e => e.StartsWith("page.md:26:", StringComparison.Ordinal) && e.Contains("CS0246", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unclosed_block_is_a_format_error_naming_its_line()
    {
        FormatException ex = Assert.Throws<FormatException>(() => MarkdownSnippets.Parse("page.md", "text\n```csharp\nint x = 1;\n"));

        Assert.Contains("page.md:2", ex.Message, StringComparison.Ordinal);
    }
}
