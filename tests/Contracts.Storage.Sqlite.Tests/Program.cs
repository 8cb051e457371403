using System;
using System.Threading.Tasks;

namespace Contracts.Storage.Sqlite.Tests;

/// <summary>
/// The test assembly's entry point: with <see cref="CrashChild.ModeVariable"/> set it is a crash test's child
/// process (a real consumer that the test kills with SIGKILL, or whose handler fails fast); otherwise it runs the tests, as xunit's generated
/// entry point would.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (Environment.GetEnvironmentVariable(CrashChild.ModeVariable) is { Length: > 0 } mode)
        {
            string database = Environment.GetEnvironmentVariable(CrashChild.DatabaseVariable)!;
            if (mode.StartsWith("projection-", StringComparison.Ordinal))
            {
                return await ProjectionCrashChild.RunAsync(mode, database);
            }

            if (mode.StartsWith("saga-", StringComparison.Ordinal))
            {
                return await SagaCrashChild.RunAsync(mode, database);
            }

            return mode.StartsWith("loop-", StringComparison.Ordinal) ? await CrashLoopChild.RunAsync(mode, database) : await CrashChild.RunAsync(mode, database);
        }

        if (Array.Exists(args, arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return await global::Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions);
        }

        return await global::Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args);
    }
}
