using System;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Contracts.Generator.Tests;

/// <summary>What the generator assembly must look like to load in every .NET 10 SDK.</summary>
public sealed class PackagingTests
{
    [Theory]
    [InlineData("Microsoft.CodeAnalysis")]
    [InlineData("Microsoft.CodeAnalysis.CSharp")]
    public void GeneratorReferencesRoslyn500Exactly(string assembly)
    {
        // A newer Roslyn than the oldest .NET 10 SDK's compiler is silently not loaded there (CS9057).
        AssemblyName reference = Assert.Single(
            typeof(ContractsGenerator).Assembly.GetReferencedAssemblies(),
            a => a.Name == assembly);
        Assert.Equal(new Version(5, 0, 0, 0), reference.Version);
    }

    [Fact]
    public void GeneratorTargetsNetStandard20()
    {
        Assert.Contains(
            typeof(ContractsGenerator).Assembly.GetReferencedAssemblies(),
            a => a.Name == "netstandard" && a.Version == new Version(2, 0, 0, 0));
        Assert.DoesNotContain(typeof(ContractsGenerator).Assembly.GetReferencedAssemblies(), a => a.Name == "System.Runtime");
    }

    [Fact]
    public void GeneratorDoesNotReferenceWorkspaces()
    {
        Assert.DoesNotContain(
            typeof(ContractsGenerator).Assembly.GetReferencedAssemblies(),
            a => a.Name!.StartsWith("Microsoft.CodeAnalysis.Workspaces", StringComparison.Ordinal));
    }

    [Fact]
    public void StepNamesAreDistinct()
    {
        Assert.NotEmpty(GeneratorHarness.StepNames);
        Assert.Equal(GeneratorHarness.StepNames.Count, GeneratorHarness.StepNames.Distinct(StringComparer.Ordinal).Count());
    }
}
