using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Contracts.Analyzers.Tests.RealBuild;

namespace Contracts.Analyzers.Tests.Evolution;

/// <summary>
/// Every forbidden change shows on a plain <c>dotnet build</c>: one project per change, outside the repository, each
/// with a <c>contracts.lock</c> beside it (picked up by the package's props, not named in the project) and its mode in
/// <c>&lt;ContractsCompatibility&gt;</c>, built by one command. Each must print exactly its rules.
/// </summary>
public sealed class LockBuildTests
{
    private const string Lock = """
        contract shop.order-placed v1 event Shop.OrderPlaced
          0 OrderId guid required key
          1 Total decimal required
          2 Note string? optional

        """;

    private const string Recorded = "[property: IdempotencyKey] Guid OrderId, decimal Total, string? Note";

    private static readonly (string Name, string Mode, string Members, string Attribute, string Lock, string[] Expected)[] s_projects =
    [
        ("matches the lock file", "Full", Recorded, "Name = \"shop.order-placed\"", Lock, []),
        ("a new optional member (safe: a warning)", "Full", Recorded + ", string Currency = \"EUR\"", "Name = \"shop.order-placed\"", Lock, ["warning CTR040"]),
        ("a required member removed under Full", "Full", "[property: IdempotencyKey] Guid OrderId, [property: MemberIndex(2)] string? Note", "Name = \"shop.order-placed\"", Lock, ["error CTR042"]),
        ("a member inserted before others", "Backward", "[property: IdempotencyKey] Guid OrderId, string? Coupon, decimal Total, string? Note", "Name = \"shop.order-placed\"", Lock, ["error CTR042"]),
        ("a wire type changed incompatibly", "Backward", "[property: IdempotencyKey] Guid OrderId, int Total, string? Note", "Name = \"shop.order-placed\"", Lock, ["error CTR043"]),
        ("a required member added under Backward", "Backward", Recorded + ", string Currency", "Name = \"shop.order-placed\"", Lock, ["error CTR044"]),
        ("a wire name changed", "Full", Recorded, "Name = \"shop.order-accepted\"", Lock, ["error CTR045"]),
        ("a version bumped without keeping the old one", "Full", Recorded, "Name = \"shop.order-placed\", Version = 2", Lock, ["error CTR045"]),
        ("the idempotency key changed", "Full", "Guid OrderId, [property: IdempotencyKey] decimal Total, string? Note", "Name = \"shop.order-placed\"", Lock, ["error CTR046"]),
        ("a recorded contract removed", "Full", Recorded, "Name = \"shop.order-placed\"", Lock + "contract shop.order-shipped v1 event Shop.OrderShipped\n  0 OrderId guid required\n", ["error CTR047"]),
    ];

    private static readonly Regex s_line = new(@"^(?<file>[^\s(][^(]*)\(\d+,\d+\): (?<diagnostic>(error|warning) [A-Z]+\d+): .*\[(?<project>[^\]]+\.csproj)", RegexOptions.Compiled);

    [Fact]
    public async Task Dotnet_build_prints_each_forbidden_change_with_its_rule()
    {
        string root = Path.Combine(Path.GetTempPath(), "contracts-lockbuild-" + Guid.NewGuid().ToString("N")[..8]);
        string props = Path.Combine(ShopSampleTests.RepositoryRoot(), "eng", "UseContracts.props");
        try
        {
            for (int i = 0; i < s_projects.Length; i++)
            {
                (string name, string mode, string members, string attribute, string lockFile, string[] _) = s_projects[i];
                string directory = Path.Combine(root, $"P{i}");
                Directory.CreateDirectory(directory);
                File.WriteAllText(Path.Combine(directory, $"P{i}.csproj"), $"""
                    <Project Sdk="Microsoft.NET.Sdk">
                      <PropertyGroup>
                        <TargetFramework>net10.0</TargetFramework>
                        <Nullable>enable</Nullable>
                        <ImplicitUsings>enable</ImplicitUsings>
                        <ContractsCompatibility>{mode}</ContractsCompatibility>
                      </PropertyGroup>
                      <Import Project="{props}" />
                    </Project>
                    """);
                File.WriteAllText(Path.Combine(directory, "Contracts.cs"), $$"""
                    // {{name}}
                    using Contracts;

                    namespace Shop;

                    [Event({{attribute}})] public partial record OrderPlaced({{members}});
                    """);
                File.WriteAllText(Path.Combine(directory, "contracts.lock"), lockFile);
            }

            File.WriteAllText(Path.Combine(root, "All.slnx"), "<Solution>\n" + string.Concat(Enumerable.Range(0, s_projects.Length).Select(i => $"  <Project Path=\"P{i}/P{i}.csproj\" />\n")) + "</Solution>\n");
            string output = await DotnetBuildTests.RunAsync(root, "build", "All.slnx", "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-clp:NoSummary");

            var printed = Enumerable.Range(0, s_projects.Length).ToDictionary(i => $"P{i}", _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in output.Split('\n'))
            {
                Match match = s_line.Match(line.Trim());
                if (match.Success && printed.TryGetValue(Path.GetFileNameWithoutExtension(match.Groups["project"].Value), out SortedSet<string>? diagnostics))
                {
                    diagnostics.Add(match.Groups["diagnostic"].Value);
                    files[match.Groups["diagnostic"].Value] = Path.GetFileName(match.Groups["file"].Value);
                }
            }

            for (int i = 0; i < s_projects.Length; i++)
            {
                Assert.True(
                    s_projects[i].Expected.Order(StringComparer.Ordinal).SequenceEqual(printed[$"P{i}"]),
                    $"P{i} ({s_projects[i].Name}): dotnet build printed [{string.Join(", ", printed[$"P{i}"])}], expected [{string.Join(", ", s_projects[i].Expected)}]\n{output}");
            }

            // A removed contract has no declaration left: it is reported at its line of the lock file.
            Assert.Equal("contracts.lock", files["error CTR047"]);
            Assert.Equal("Contracts.cs", files["error CTR045"]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
