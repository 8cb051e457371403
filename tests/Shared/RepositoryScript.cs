using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Contracts.Tests.Shared;

/// <summary>Runs one of the repository's scripts (scripts/rabbitmq.sh, scripts/postgres.sh) from a test, as CI and users do.</summary>
internal static class RepositoryScript
{
    /// <summary>Runs <c>scripts/<paramref name="name"/> <paramref name="command"/></c>; throws with its output when it fails or outlasts <paramref name="timeout"/>.</summary>
    public static async Task RunAsync(string name, string command, TimeSpan timeout)
    {
        string script = Path.Combine(RepositoryRoot(name), "scripts", name);
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(command);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not run {script}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{script} {command}' exited with {process.ExitCode}: {await output}{await errors}");
        }
    }

    private static string RepositoryRoot(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "scripts", name)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"scripts/{name} not found above {AppContext.BaseDirectory}.");
    }
}
