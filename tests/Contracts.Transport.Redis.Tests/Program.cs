using System;
using System.Threading.Tasks;

namespace Contracts.Transport.Redis.Tests;

/// <summary>
/// The test assembly's entry point: with <see cref="Worker.ModeVariable"/> set it is another process of the fault tests
/// (a real service on the server); otherwise it runs the tests, as xunit's generated entry point would.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (Environment.GetEnvironmentVariable(Worker.ModeVariable) is { Length: > 0 } mode)
        {
            return await Worker.RunAsync(mode);
        }

        if (Array.Exists(args, arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return await global::Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions);
        }

        return await global::Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args);
    }
}
