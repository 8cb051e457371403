using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace Contracts.Analyzers.Tests.RealBuild;

/// <summary>
/// Checks <see cref="BuildEmulation"/> against the real thing: a few of the mistakes and clean programs, each its own
/// project outside the repository referencing Contracts through eng/UseContracts.props (runtime as a reference,
/// generator and analyzers as analyzers, as the package does), built by one <c>dotnet build</c>. Each project must
/// print what the emulation printed for it, rule for rule.
/// </summary>
public sealed class DotnetBuildTests
{
    private static readonly string[] s_mistakes =
    [
        "contract not partial, with a handler",
        "member of type Stream, with a handler",
        "command handler of an event",
        "computed get-only idempotency key",
        "two handlers of one command",
        "handler interface inherited from an abstract generic base",
        "Thread.Sleep in a handler",
        "query handler with another result type",
        "an injected IMessageBus in a handler whose endpoint this project makes effectively-once",
        "a saga step of an event without [SagaId]",
        "a timeout the saga does not handle",
        "saga state that cannot be serialized",
        "an aggregate raising an event it has no Apply for",
        "an aggregate's Apply of a command",
        "an aggregate that is not partial",
        "an aggregate state that cannot be serialized",
        "an aggregate's Apply that returns a value",
        "a saga no message starts",
        "a saga that compensates one command and not another",
        "a command that starts two sagas",
        "a saga handling a query",
        "a projection of a command",
        "a projection that is not partial",
        "a projection that reads nothing",
        "two projections of one name",
    ];

    private static readonly string[] s_clean = ["an order saga with compensations and a timeout", "an event-sourced order with snapshots, loaded and saved by a command handler", "an order summary projection, registered inline and async", "the README's shop", "a contract deriving from another", "handlers with constructor dependencies, helpers and a token passed everywhere", "a handler publishing through the bus on an at-least-once endpoint its own host configures"];

    private static readonly Regex s_line = new(@"^(?<file>[^\s(][^(]*)\(\d+,\d+\): (?<severity>error|warning) (?<id>[A-Z]+\d+): .*\[(?<project>[^\]]+\.csproj)", RegexOptions.Compiled);

    [Fact]
    public async Task Dotnet_build_prints_what_the_emulation_prints_for_each_project()
    {
        string root = Path.Combine(Path.GetTempPath(), "contracts-realbuild-" + Guid.NewGuid().ToString("N")[..8]);
        string props = Path.Combine(ShopSampleTests.RepositoryRoot(), "eng", "UseContracts.props");
        var projects = new Dictionary<string, string[]>(StringComparer.Ordinal);
        int index = 0;
        foreach ((string name, string[] sources) in s_mistakes.Select(n => (n, Mistakes.All.Single(m => m.Name == n).Sources))
                     .Concat(s_clean.Select(n => (n, CleanPrograms.All.Single(c => c.Name == n).Sources))))
        {
            string project = $"P{index++}";
            projects[project] = sources;
            WriteProject(root, project, props, sources, name);
        }

        File.WriteAllText(Path.Combine(root, "All.slnx"), "<Solution>\n" + string.Concat(projects.Keys.Select(p => $"  <Project Path=\"{p}/{p}.csproj\" />\n")) + "</Solution>\n");
        try
        {
            string output = await RunAsync(root, "build", "All.slnx", "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary");
            var printed = projects.Keys.ToDictionary(p => p, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
            foreach (string line in output.Split('\n'))
            {
                Match match = s_line.Match(line.Trim());
                if (match.Success && Path.GetFileNameWithoutExtension(match.Groups["project"].Value) is { } project && printed.TryGetValue(project, out SortedSet<string>? ids))
                {
                    ids.Add(match.Groups["id"].Value);
                }
            }

            Assert.True(printed.Values.Count(ids => ids.Count > 0) >= s_mistakes.Length, "dotnet build printed no diagnostics for the mistakes:\n" + output);
            foreach ((string project, string[] sources) in projects)
            {
                BuildOutput emulated = await BuildEmulation.BuildAsync(BuildEmulation.Compile(project, sources), TestContext.Current.CancellationToken);
                string[] expected = emulated.Ids.Distinct().Order(StringComparer.Ordinal).ToArray();
                Assert.True(expected.SequenceEqual(printed[project]), $"{project} ({File.ReadAllText(Path.Combine(root, project, "Name.txt"))}): dotnet build printed [{string.Join(", ", printed[project])}], the emulation [{string.Join(", ", expected)}]\n{output}");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void WriteProject(string root, string name, string props, string[] sources, string description)
    {
        string directory = Path.Combine(root, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <Import Project="{props}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Name.txt"), description);
        for (int i = 0; i < sources.Length; i++)
        {
            File.WriteAllText(Path.Combine(directory, $"File{i + 1}.cs"), sources[i]);
        }
    }

    internal static async Task<string> RunAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Not the test host's MSBuild settings: a plain build as a user's shell runs it.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Task<string> stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return await stdout + await stderr;
    }
}
