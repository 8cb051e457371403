using System;
using System.Threading.Tasks;

namespace Contracts.Transport.Nats.Tests;

/// <summary>
/// The test assembly's entry point: with <see cref="ServiceProcess.ModeVariable"/> set it is the other process of the
/// cross-process tests (a real service on the server); otherwise it runs the tests, as xunit's generated entry point would.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (Environment.GetEnvironmentVariable(ServiceProcess.ModeVariable))
        {
            case ServiceProcess.ConsumerMode:
                return await ServiceProcess.RunAsync();
            case PartitionOrderingTests.Mode:
                return await PartitionOrderingTests.RunConsumerAsync();
        }

        if (Array.Exists(args, arg => arg is "--server" or "--internal-msbuild-node"))
        {
            return await global::Xunit.MicrosoftTestingPlatform.TestPlatformTestFramework.RunAsync(args, SelfRegisteredExtensions.AddSelfRegisteredExtensions);
        }

        return await global::Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args);
    }
}
