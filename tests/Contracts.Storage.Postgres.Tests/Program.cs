using System;
using System.Threading.Tasks;

namespace Contracts.Storage.Postgres.Tests;

/// <summary>
/// The test assembly's entry point: with <see cref="CrashChild.ModeVariable"/> set it is one of the crash test's consumer
/// processes (which the test kills with SIGKILL); otherwise it runs the tests, as xunit's generated entry point would.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (Environment.GetEnvironmentVariable(CrashChild.ModeVariable) is { Length: > 0 })
        {
            return await CrashChild.RunAsync(Environment.GetEnvironmentVariable(CrashChild.SchemaVariable)!);
        }

        if (Array.Exists(args, arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return await global::Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions);
        }

        return await global::Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args);
    }
}
