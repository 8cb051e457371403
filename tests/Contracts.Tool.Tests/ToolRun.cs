using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;

namespace Contracts.Tool.Tests;

/// <summary>One run of the tool's entry point in this process, with what it wrote.</summary>
public sealed record ToolRun(string[] Args, int ExitCode, string Output, string Error)
{
    public static async Task<ToolRun> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await ContractsTool.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return new ToolRun(args, exit, output.ToString(), error.ToString());
    }

    /// <summary>Fails with everything the tool wrote unless it exited with <paramref name="expected"/>.</summary>
    public ToolRun Expect(int expected)
    {
        Assert.True(ExitCode == expected, $"'contracts {string.Join(' ', Args)}' exited {ExitCode}, expected {expected}.\nstdout:\n{Output}\nstderr:\n{Error}");
        return this;
    }

    public JsonElement Json()
    {
        using JsonDocument document = JsonDocument.Parse(Output);
        return document.RootElement.Clone();
    }

    public JsonElement ErrorJson()
    {
        using JsonDocument document = JsonDocument.Parse(Error);
        return document.RootElement.Clone();
    }
}
