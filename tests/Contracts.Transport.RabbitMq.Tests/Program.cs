using System;
using System.Threading.Tasks;

namespace Contracts.Transport.RabbitMq.Tests;

/// <summary>
/// The test assembly's entry point: with <see cref="ServiceProcess.ModeVariable"/> set it is the other process of the
/// cross-process tests (a real service on the broker); otherwise it runs the tests, as xunit's generated entry point would.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (Environment.GetEnvironmentVariable(ServiceProcess.ModeVariable))
        {
            case "service":
                return await ServiceProcess.RunAsync();
            case "producer":
                return await ProducerProcess.RunAsync();
            case CrashLoopTests.Mode:
                return await CrashLoopTests.RunAsync();
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
