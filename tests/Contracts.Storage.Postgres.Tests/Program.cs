using System;
using System.Threading.Tasks;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// The test assembly's entry point: with <see cref="CrashChild.ModeVariable"/> set it is one of the crash tests' child
/// processes (which the tests kill with SIGKILL); otherwise it runs the tests, as xunit's generated entry point would.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (Environment.GetEnvironmentVariable(CrashChild.ModeVariable) is { Length: > 0 } mode)
        {
            string schema = Environment.GetEnvironmentVariable(CrashChild.SchemaVariable)!;
            return mode.StartsWith("projection-", StringComparison.Ordinal) ? await ProjectionCrashChild.RunAsync(mode, schema) : await CrashChild.RunAsync(schema);
        }

        if (Array.Exists(args, arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return await global::Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions);
        }

        return await global::Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args);
    }
}
